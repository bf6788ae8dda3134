// serve-hubjs.mjs: the official JavaScript Hub client (npm @huggingface/hub)
// against `airlock serve`, compared byte for byte with the repo's files.
//
//   node serve-hubjs.mjs MODULES HUB_URL TYPE REPO REVISION EXPECTED_DIR CACHE_DIR
//
// MODULES holds node_modules/@huggingface/hub; TYPE is model or dataset;
// EXPECTED_DIR has the repo's files at REVISION. Prints one line per check
// without numbers ("ok - ..." / "not ok - ...", details on "# " lines) for
// tests/cli/serve.sh to number. Exit 0 when all passed, 1 when one failed,
// 2 on a usage or setup error.

import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [modules, hubUrl, type, name, revision, expectedDir, cacheDir] = process.argv.slice(2);
if (!cacheDir) {
	process.stderr.write("usage: serve-hubjs.mjs MODULES HUB_URL TYPE REPO REVISION EXPECTED CACHE\n");
	process.exit(2);
}

let hub;
try {
	const require = createRequire(join(resolve(modules), "package.json"));
	hub = await import(pathToFileURL(require.resolve("@huggingface/hub")).href);
} catch (e) {
	process.stderr.write(`serve-hubjs: cannot load @huggingface/hub from ${modules}: ${e}\n`);
	process.exit(2);
}

let failed = 0;
function check(cond, what, detail) {
	process.stdout.write(`${cond ? "ok" : "not ok"} - ${what}\n`);
	if (!cond) {
		failed++;
		if (detail) process.stdout.write(`# ${detail}\n`);
	}
}

function walk(dir) {
	const out = [];
	for (const e of readdirSync(dir, { withFileTypes: true })) {
		const p = join(dir, e.name);
		if (e.isDirectory()) out.push(...walk(p));
		else out.push(relative(expectedDir, p));
	}
	return out;
}

const sha256 = (b) => createHash("sha256").update(b).digest("hex");
const gitSha1 = (b) => createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex");

const repo = { type, name };
const want = walk(expectedDir).sort();
const common = { repo, revision, hubUrl };

try {
	const got = [];
	for await (const f of hub.listFiles({ ...common, recursive: true })) {
		if (f.type === "file") got.push(f.path);
	}
	got.sort();
	check(JSON.stringify(got) === JSON.stringify(want), `listFiles lists the ${want.length} files`,
		`got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
} catch (e) {
	check(false, "listFiles", String(e));
}

for (const path of want) {
	const bytes = readFileSync(join(expectedDir, path));
	try {
		const info = await hub.fileDownloadInfo({ ...common, path });
		const etag = info ? info.etag.replace(/^W\//, "").replace(/"/g, "") : "";
		const etagOk = etag === sha256(bytes) || etag === gitSha1(bytes);
		check(info && info.size === bytes.length && etagOk && !info.xet,
			`fileDownloadInfo ${path}: size and etag (git sha1 or sha256)`,
			`got ${JSON.stringify(info)}`);
	} catch (e) {
		check(false, `fileDownloadInfo ${path}`, String(e));
	}
	try {
		const blob = await hub.downloadFile({ ...common, path, xet: false });
		const got = blob ? Buffer.from(await blob.arrayBuffer()) : null;
		check(got && got.equals(bytes), `downloadFile ${path}: the same bytes`);
	} catch (e) {
		check(false, `downloadFile ${path}`, String(e));
	}
}

try {
	const snap = await hub.snapshotDownload({ ...common, cacheDir });
	let same = true;
	for (const path of want) {
		const p = join(snap, path);
		if (!statSync(p, { throwIfNoEntry: false }) ||
			!readFileSync(p).equals(readFileSync(join(expectedDir, path)))) {
			same = false;
			process.stdout.write(`# differs: ${path}\n`);
		}
	}
	check(same, `snapshotDownload writes every file into ${relative(cacheDir, snap)}`);
} catch (e) {
	check(false, "snapshotDownload", String(e));
}

process.exit(failed ? 1 : 0);
