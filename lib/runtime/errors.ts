// Error types: each carries the exit code the CLI maps it to.
import { permissionProblem } from "./permissions.ts";

/** Bad command line, config or input (a missing literal, an unknown flag): exit 2. */
export class InputError extends Error {
  readonly exitCode = 2;
  override name = "InputError";
}

/** The upgrade itself failed (a build error, a non-reproducible FOD): exit 1. */
export class UpgradeFailed extends Error {
  readonly exitCode = 1;
  override name = "UpgradeFailed";
}

/** The user pressed Ctrl-C: the running build was stopped and nothing was committed. */
export class Interrupted extends Error {
  readonly exitCode = 130;
  override name = "Interrupted";
}

/** An error as an outcome records it: its message (a permission the bot lacks named as bot.ts
 * names it, exit 2), after `what`, and its exit code (Ctrl-C 130, else its own, else 1). */
export function errorOutcome(e: unknown, what = ""): { message: string; exitCode: number } {
  const permission = permissionProblem(e);
  if (permission) return { message: what + permission, exitCode: 2 };
  const exitCode = (e as { exitCode?: number }).exitCode ?? 1;
  return { message: what + (e as Error).message, exitCode };
}
