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
