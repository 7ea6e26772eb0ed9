// Build the dashboard into src/ceasefire/web/static/build/ (run by install.sh).
//   app.js   the page (ES module): map, panels, compliance view, offline report form
//   app.css  its styles with OpenLayers' CSS
//   sw.js    the service worker (a classic script: the offline shell and the report queue)
// BUILD_ID is a hash of the sources and the lock file: it names the service worker's cache,
// so a new build replaces the offline copy and an unchanged one keeps it.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "src", "ceasefire", "web", "static", "build");

function files(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const hash = createHash("sha256");
for (const path of [...files(join(here, "src")), join(here, "package-lock.json")]) {
  hash.update(path.slice(here.length)).update(readFileSync(path));
}
const buildId = hash.digest("hex").slice(0, 16);

const common = {
  bundle: true,
  minify: true,
  sourcemap: false,
  target: ["chrome110", "firefox115", "safari16"],
  legalComments: "linked",
  define: { __BUILD_ID__: JSON.stringify(buildId) },
  logLevel: "warning",
};

await esbuild.build({ ...common, entryPoints: { app: join(here, "src", "main.js") },
                      format: "esm", outdir: out });
await esbuild.build({ ...common, entryPoints: { sw: join(here, "src", "sw.js") },
                      format: "iife", outdir: out });
await esbuild.build({ ...common, entryPoints: { app: join(here, "src", "style.css") },
                      outdir: out });
console.log(`dashboard built into ${out} (build ${buildId})`);
