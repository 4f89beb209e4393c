// Prints docs/config.md from the option table, so the reference never drifts from the code.
import { FEDERATION_PROVIDERS_DOC } from "../src/config/federation.js";
import { GATEWAY_DOCS } from "../src/config/gateway.js";
import { OPTIONS } from "../src/config/schema.js";

const rows = OPTIONS.map((o) => {
  const value = o.default === undefined ? "—" : `\`${o.default}\``;
  return `| \`${o.path}\` | \`${o.env}\` | ${value} | ${o.doc.replace(/\|/g, "\\|")} |`;
});
rows.push(
  `| \`federation.providers\` | (file only) | \`[]\` | ${FEDERATION_PROVIDERS_DOC.replace(/\|/g, "\\|")} |`,
);
for (const [path, { default: value, doc }] of Object.entries(GATEWAY_DOCS)) {
  rows.push(`| \`${path}\` | (file only) | ${value} | ${doc.replace(/\|/g, "\\|")} |`);
}
process.stdout.write(`# Configuration reference

Generated from \`packages/server/src/config/schema.ts\` by \`npm run docs:config\`; do not edit by hand.

Options come from a YAML file named by \`TESSERA_CONFIG\` (keys as in the first column, nested by
dots) and from environment variables (second column), the environment winning. Durations are
seconds or a number with one unit: \`90s\`, \`20m\`, \`6h\`, \`10d\`, \`2w\`. Every value is checked
at start; all problems are reported together and the server exits with status 2.

| option | environment | default | meaning |
| --- | --- | --- | --- |
${rows.join("\n")}
`);
