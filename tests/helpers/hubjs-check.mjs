// hubjs-check.mjs: drive the official JavaScript Hub client (npm @huggingface/hub)
// against a Hub-compatible server and compare what it gets with expected files.
//
//   node hubjs-check.mjs --hub-url URL --repo ORG/NAME --expected DIR
//                        [--type model|dataset] [--revision REV] [--token hf_...]
//                        [--modules DIR] [--cache DIR] [--checks list,info,download,snapshot]
//                        [--expect-status N]
//
// --expected DIR holds the repo's files at REV exactly (for the fake Hub:
// fixtures/hub/<type>s/<repo>/commits/<label>). --modules DIR is a directory with
// node_modules/@huggingface/hub in it (default: $HUBJS_MODULES, else the current
// directory). --cache keeps snapshotDownload's Hugging Face cache there (default: a
// temporary directory that is removed). --expect-status N: only check that
// snapshotDownload fails with HTTP status N (gated, private, missing repos).
//
// Prints one TAP-style line per check without numbers ("ok - ..." / "not ok - ...",
// details on "# " lines) so a shell test can number them. Exit status: 0 all passed,
// 1 a check failed, 2 usage or setup error.
//
// Works with any server implementing the Hub API (the fake Hub in
// tests/helpers/hubserver.py, `airlock serve`).

import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, lstatSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";

function usage(msg) {
	process.stderr.write(`hubjs-check: ${msg}\n`);
	process.exit(2);
}

const opts = { type: "model", revision: "main", checks: "list,info,download,snapshot" };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	const a = argv[i];
	const m = /^--([a-z-]+)$/.exec(a);
	if (!m || i + 1 >= argv.length) usage(`bad argument '${a}'`);
	opts[m[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = argv[++i];
}
for (const k of ["hubUrl", "repo"]) if (!opts[k]) usage(`--${k === "hubUrl" ? "hub-url" : k} is required`);
if (!opts.expected && !opts.expectStatus) usage("--expected is required");
if (!["model", "dataset", "space"].includes(opts.type)) usage(`bad --type '${opts.type}'`);
const checks = new Set(opts.checks.split(","));

const modulesDir = resolve(opts.modules ?? process.env.HUBJS_MODULES ?? ".");
let hub;
try {
	const req = createRequire(join(modulesDir, "noop.js"));
	const entry = req.resolve("@huggingface/hub");
	// the package's "import" condition is the .mjs next to the CommonJS entry
	const mjs = entry.replace(/index\.js$/, "index.mjs");
	hub = await import(pathToFileURL(mjs).href);
} catch (e) {
	usage(`cannot load @huggingface/hub from '${modulesDir}': ${e.message}`);
}
// downloadFileToCacheDir logs "Downloading ..." with console.debug: keep stdout TAP-only
console.debug = () => {};

const repo = { type: opts.type, name: opts.repo };
const common = { repo, hubUrl: opts.hubUrl.replace(/\/+$/, ""), revision: opts.revision };
if (opts.token) common.accessToken = opts.token;

let failed = 0;
function report(ok, name, details = []) {
	if (!ok) failed++;
	process.stdout.write(`${ok ? "ok" : "not ok"} - ${name}\n`);
	for (const d of details.slice(0, 20)) process.stdout.write(`# ${d}\n`);
}

function gitSha1(buf) {
	return createHash("sha1").update(`blob ${buf.length}\0`).update(buf).digest("hex");
}
function sha256(buf) {
	return createHash("sha256").update(buf).digest("hex");
}
function normEtag(e) {
	return (e ?? "").replace(/^W\//, "").replace(/^"|"$/g, "");
}

function walk(dir, base = dir, out = new Map()) {
	for (const ent of readdirSync(dir, { withFileTypes: true })) {
		const full = join(dir, ent.name);
		if (ent.isDirectory()) walk(full, base, out);
		else out.set(relative(base, full).split(sep).join("/"), readFileSync(full));
	}
	return out;
}

const human = `${opts.type} ${opts.repo}@${opts.revision}`;

if (opts.expectStatus) {
	const cache = mkdtempSync(join(tmpdir(), "hubjs-"));
	try {
		await hub.snapshotDownload({ ...common, cacheDir: cache });
		report(false, `snapshotDownload ${human} fails with status ${opts.expectStatus}`,
			["it succeeded"]);
	} catch (e) {
		report(String(e.statusCode) === String(opts.expectStatus),
			`snapshotDownload ${human} fails with status ${opts.expectStatus}`,
			[`got: ${e.statusCode ?? "no status"}: ${e.message}`]);
	} finally {
		rmSync(cache, { recursive: true, force: true });
	}
	process.exit(failed ? 1 : 0);
}

const expected = walk(resolve(opts.expected));
const paths = [...expected.keys()].sort();
const isLfs = new Map(); // path -> bool, learnt from listFiles

async function step(name, fn) {
	try {
		await fn();
	} catch (e) {
		report(false, name, [`${e.name}: ${e.message}`]);
	}
}

if (checks.has("list")) {
	await step(`listFiles ${human}`, async () => {
		const got = new Map();
		for await (const e of hub.listFiles({ ...common, recursive: true })) {
			if (e.type === "file") got.set(e.path, e);
		}
		const gotPaths = [...got.keys()].sort();
		report(JSON.stringify(gotPaths) === JSON.stringify(paths),
			`listFiles ${human}: the ${paths.length} expected paths`,
			[`got:  ${JSON.stringify(gotPaths)}`, `want: ${JSON.stringify(paths)}`]);
		const bad = [];
		for (const [p, e] of got) {
			const data = expected.get(p);
			if (!data) continue;
			isLfs.set(p, !!e.lfs);
			if (e.size !== data.length) bad.push(`${p}: size ${e.size} != ${data.length}`);
			if (e.lfs) {
				if (e.lfs.oid !== sha256(data)) bad.push(`${p}: lfs.oid is not the sha256`);
				if (e.lfs.size !== data.length) bad.push(`${p}: lfs.size ${e.lfs.size}`);
			} else if (e.oid !== gitSha1(data)) bad.push(`${p}: oid is not the git blob sha1`);
			if (e.xetHash) bad.push(`${p}: advertises xetHash`);
		}
		report(bad.length === 0, `listFiles ${human}: sizes, oids and lfs.oid match`, bad);
	});
}

if (checks.has("info")) {
	await step(`fileDownloadInfo ${human}`, async () => {
		const bad = [];
		for (const p of paths) {
			const data = expected.get(p);
			const info = await hub.fileDownloadInfo({ ...common, path: p });
			if (!info) {
				bad.push(`${p}: not found`);
				continue;
			}
			if (info.size !== data.length) bad.push(`${p}: size ${info.size} != ${data.length}`);
			const etag = normEtag(info.etag);
			const want = isLfs.has(p) ? (isLfs.get(p) ? sha256(data) : gitSha1(data)) : null;
			if (want ? etag !== want : etag !== sha256(data) && etag !== gitSha1(data))
				bad.push(`${p}: etag ${etag} is neither the sha256 nor the git sha1`);
			if (info.xet) bad.push(`${p}: advertises xet`);
		}
		report(bad.length === 0, `fileDownloadInfo ${human}: size and etag of ${paths.length} files`, bad);
		const missing = await hub.fileDownloadInfo({ ...common, path: "no/such/file.bin" });
		report(missing === null, `fileDownloadInfo ${human}: a missing file gives null (EntryNotFound)`);
	});
}

if (checks.has("download")) {
	await step(`downloadFile ${human}`, async () => {
		const bad = [];
		for (const p of paths) {
			const blob = await hub.downloadFile({ ...common, path: p });
			if (!blob) {
				bad.push(`${p}: not found`);
				continue;
			}
			const got = Buffer.from(await blob.arrayBuffer());
			if (!got.equals(expected.get(p))) bad.push(`${p}: ${got.length} bytes differ from expected`);
		}
		report(bad.length === 0, `downloadFile ${human}: bytes of ${paths.length} files`, bad);
	});
}

if (checks.has("snapshot")) {
	const cache = opts.cache ? resolve(opts.cache) : mkdtempSync(join(tmpdir(), "hubjs-"));
	await step(`snapshotDownload ${human}`, async () => {
		const folder = await hub.snapshotDownload({ ...common, cacheDir: cache });
		const repoFolder = join(cache, [`${opts.type}s`, ...opts.repo.split("/")].join("--"));
		const m = /[/\\]snapshots[/\\]([0-9a-f]{40})$/.exec(folder);
		report(!!m && folder.startsWith(repoFolder),
			`snapshotDownload ${human}: returns <cache>/${relative(cache, repoFolder)}/snapshots/<commit>`,
			[`got: ${folder}`]);
		const bad = [];
		for (const p of paths) {
			const f = join(folder, ...p.split("/"));
			let got;
			try {
				got = readFileSync(f);
			} catch (e) {
				bad.push(`${p}: ${e.code}`);
				continue;
			}
			if (!got.equals(expected.get(p))) bad.push(`${p}: bytes differ`);
			if (lstatSync(f).isSymbolicLink() && readlinkSync(f).startsWith("/"))
				bad.push(`${p}: absolute symlink`);
		}
		report(bad.length === 0, `snapshotDownload ${human}: ${paths.length} files, same bytes`, bad);
		if (m && !/^[0-9a-f]{40}$/.test(opts.revision)) {
			let ref = null;
			try {
				ref = readFileSync(join(repoFolder, "refs", ...opts.revision.split("/")), "utf8");
			} catch (e) {
				ref = e.code;
			}
			report(ref === m[1], `snapshotDownload ${human}: refs/${opts.revision} names the commit`,
				[`got: ${JSON.stringify(ref)}`, `want: ${m[1]}`]);
		}
	});
	if (!opts.cache) rmSync(cache, { recursive: true, force: true });
}

process.exit(failed ? 1 : 0);
