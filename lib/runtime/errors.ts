// Error types: each carries the exit code the CLI maps it to.

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
