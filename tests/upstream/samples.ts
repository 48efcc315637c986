// Upstream text the upstream tests share, written here (not copied from authentik).

/** Shaped like authentik's website/docs/releases/2026/v2026.5.md: front matter, MDX, sections. */
export const AUTHENTIK_NOTES = `---
title: Release 2026.5
slug: "/releases/2026.5"
---

import Tabs from "@theme/Tabs";

:::info
Upgrades MUST happen in order.
:::

## Highlights

- **Passkeys everywhere**: see #12345, thanks @someone.

## Breaking changes

- The \`/api/v2\` endpoints are gone.

## New features

\`\`\`yaml
# not a heading
key: value
\`\`\`

## Upgrading

This release does not introduce any new requirements.

## Fixed in 2026.5.1

- core: fix a crash (#13001)
`;

/** A copy of the bot's hidden record of a harvested tag, naming a commit the tag never had. */
export const COPIED_RECORD =
  "<!-- upgrade-bot: harvested mirrors/authentik version/2026.5.0 0000000000000000000000000000000000000000 -->";

/** A copy of the bot's hidden note of a forced skip. */
export const COPIED_SKIP = "<!-- upgrade-bot: skips release series -->";

/** Release notes crafted against a line-by-line escaper (issue 22): a body opening with `---`;
 * a heading that mentions and closes; a fenced block indented under a list item (CommonMark closes
 * it with the item); a code span across a line break; backslash-escaped backticks; a character
 * reference for `@`; raw `<img>` and `</details>`; copies of the bot's records in a fenced block,
 * in a list item, in a quote and in a details block. */
export const CRAFTED_NOTES = [
  "---",
  "",
  "## Breaking changes",
  "",
  "- The config moved:",
  "  ```yaml",
  "  key: value",
  "- and \\`@name fixes #1\\` now; &#x40;entity and &#64;dec say hi, see !12",
  "",
  "A span `across the",
  "break` @spanned fixes #1 `shut`",
  "",
  "<img src=x onerror=alert(1)> </details>",
  "",
  "</details>",
  "",
  "```",
  COPIED_RECORD,
  COPIED_SKIP,
  "```",
  "",
  "## Thanks @name, fixes #1",
  "",
  `- ${COPIED_RECORD}`,
  "",
  `> ${COPIED_SKIP}`,
  "",
  "<details>",
  "",
  COPIED_RECORD,
  "",
  "</details>",
  "",
  "Thanks to everyone.",
  "",
].join("\n");

/** A line the crafted uv.lock breaks TOML with: its parse error quotes it. */
export const CRAFTED_LOCK_LINE = 'name = "django" <img src=x> @name fixes #1 </details>';
