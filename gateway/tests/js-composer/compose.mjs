// Composes subgraph SDL files with @theguild/federation-composition and prints the supergraph.
// Input (argv[2] or stdin): JSON [{"name": "...", "url": "...", "file": "path.graphql"}, ...]
// ("sdl" may replace "file"). Errors go to stderr with exit code 1.
import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { composeServices, compositionHasErrors } from "@theguild/federation-composition";

const input = process.argv[2] ?? readFileSync(0, "utf8");
const subgraphs = JSON.parse(input);
const services = subgraphs.map(({ name, url, file, sdl }) => ({
  name,
  url,
  typeDefs: parse(sdl ?? readFileSync(file, "utf8")),
}));
const result = composeServices(services);
if (compositionHasErrors(result)) {
  for (const error of result.errors) {
    console.error(error.message);
  }
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
