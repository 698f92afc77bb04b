// Bundles each test app (amplify/, oidc/) into OUTDIR with its index.html: `node build.mjs OUTDIR`.
// The live suite runs it (tests/live/realclients/jsbuild.py); nothing built is committed.
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const outdir = process.argv[2];
if (!outdir) {
  console.error("usage: node build.mjs OUTDIR");
  process.exit(2);
}
for (const app of ["amplify", "oidc"]) {
  mkdirSync(join(outdir, app), { recursive: true });
  await build({
    entryPoints: [join(here, app, "app.js")],
    outfile: join(outdir, app, "app.js"),
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "chrome120",
    sourcemap: true,
    logLevel: "warning",
  });
  copyFileSync(join(here, app, "index.html"), join(outdir, app, "index.html"));
}
