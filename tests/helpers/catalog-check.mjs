// tests/helpers/catalog-check.mjs: the catalog publish writes, in headless
// chromium through puppeteer-core (tests/cli/catalog.sh runs it).
//
//   node catalog-check.mjs --modules DIR --chromium PATH --base URL --mode http|file
//                          --facts FILE --shots DIR [--tag NAME]
//
// --base is the published tree's URL, ending in '/' (http://127.0.0.1:PORT/ or
// file:///.../pub/). --facts is JSON: {bundle, seq, project, project_version,
// model, revision, file, dir}. Prints "ok - ..." / "not ok - ..." lines (and
// "# ..." details); exit 0, or 2 when it could not run at all. Every page must
// load without a console error, a failed request or an uncaught exception, and
// the hostile names of the facts must show as text, never run.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const require = createRequire(path.join(args.modules, 'node_modules', 'x.js'));
let puppeteer;
try {
	puppeteer = require('puppeteer-core');
} catch (e) {
	console.error(`cannot load puppeteer-core from ${args.modules}: ${e.message}`);
	process.exit(2);
}
const facts = JSON.parse(fs.readFileSync(args.facts, 'utf8'));
const tag = args.tag || args.mode;
const web = args.mode === 'http';
fs.mkdirSync(args.shots, { recursive: true });

function ok(cond, name, detail) {
	console.log(`${cond ? 'ok' : 'not ok'} - ${tag}: ${name}`);
	if (!cond && detail !== undefined) console.log(`# ${String(detail).split('\n').join('\n# ')}`);
	return cond;
}

const browser = await puppeteer.launch({
	executablePath: args.chromium,
	headless: true,
	args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--allow-file-access-from-files'],
}).catch((e) => {
	console.error(`cannot start ${args.chromium}: ${e.message}`);
	process.exit(2);
});

const problems = [];
async function newPage(js = true) {
	const page = await browser.newPage();
	await page.setJavaScriptEnabled(js);
	page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`); });
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
	page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
	page.on('dialog', async (d) => { problems.push(`dialog: ${d.message()}`); await d.dismiss(); });
	return page;
}
const text = (page, sel) => page.$eval(sel, (e) => e.textContent);
const shot = (page, name) => page.screenshot({ path: path.join(args.shots, `${tag}-${name}.png`), fullPage: true });

// headings in order (h1 first, never a level skipped), one main, every input labelled
async function structure(page) {
	return page.evaluate(() => {
		const why = [];
		const hs = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map((h) => +h.tagName[1]);
		if (hs[0] !== 1 || hs.filter((l) => l === 1).length !== 1) why.push(`h1: ${hs}`);
		for (let i = 1; i < hs.length; i++) if (hs[i] > hs[i - 1] + 1) why.push(`skip ${hs[i - 1]}->${hs[i]}`);
		if (document.querySelectorAll('main').length !== 1) why.push('main');
		if (!document.querySelector('header nav[aria-label]')) why.push('nav');
		if (!document.documentElement.lang) why.push('lang');
		for (const i of document.querySelectorAll('input'))
			if (!i.labels || !i.labels.length) why.push(`input ${i.id} has no label`);
		// WCAG contrast of text against the page background
		const lum = (c) => {
			const v = c.match(/\d+(\.\d+)?/g).slice(0, 3).map((x) => {
				x /= 255;
				return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
			});
			return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
		};
		const bg = lum(getComputedStyle(document.body).backgroundColor);
		for (const e of document.querySelectorAll('p, a, td, th, li, span, h1, h2, h3, label, code')) {
			if (!e.offsetParent) continue;
			const l = lum(getComputedStyle(e).color);
			const ratio = (Math.max(l, bg) + 0.05) / (Math.min(l, bg) + 0.05);
			if (ratio < 4.5) { why.push(`contrast ${ratio.toFixed(2)} on ${e.tagName}`); break; }
		}
		return why;
	});
}

const pwned = (page) => page.evaluate(() => window.__pwned);
const base = args.base;
try {
	// ---- the index ------------------------------------------------------------------------
	const page = await newPage();
	await page.setViewport({ width: 1280, height: 900 });
	const resp = await page.goto(web ? base : `${base}index.html`, { waitUntil: 'load' });
	ok(!web || resp.status() === 200, 'the index loads', resp && resp.status());
	ok((await text(page, 'h1')) === 'airlock mirror', 'its heading');
	ok((await structure(page)).length === 0, 'landmarks, headings in order, labels, contrast', (await structure(page)).join('; '));
	const row = await page.$$eval('#bundles ~ div tbody tr', (rs) => rs.map((r) => r.innerText.replace(/\s+/g, ' ').trim()));
	ok(row.some((r) => r.startsWith(`${facts.bundle} ${facts.seq} `) && / UTC /.test(r)), 'the bundle with its media sequence and import date', row.join(' | '));
	const conf = await page.$$eval('pre code', (cs) => cs.map((c) => c.textContent));
	ok(conf.some((c) => c === `[global]\nindex-url = ${base}simple/`), 'pip.conf shows the address the page came from', conf.join(' | '));
	ok(conf.some((c) => c === `pip install --index-url ${base}simple/ PROJECT`), 'and the pip command');
	if (web)
		ok(conf.some((c) => c === `export HF_ENDPOINT=${base.replace(/\/$/, '')}`), 'HF_ENDPOINT is the server', conf.join(' | '));
	else
		ok(conf.some((c) => c === `export HF_HUB_OFFLINE=1\nexport HF_HUB_CACHE=${facts.dir}/hf/hub`), 'HF_HUB_CACHE is the opened directory', conf.join(' | '));
	ok(await page.$eval('[data-nojs]', (e) => e.hidden), 'the no-script hint is hidden');
	const list = await page.$$eval('#models ~ ul li', (ls) => ls.map((l) => l.textContent));
	ok(list.some((l) => l.includes(facts.model) && l.includes(facts.revision)), 'the hostile revision shows as text', list.join(' | '));
	ok((await page.$$('script')).length === 2, 'no script but the page\'s own two');
	await shot(page, 'index');

	// ---- the search box ------------------------------------------------------------------
	ok(await page.$eval('#find', (f) => f.offsetParent !== null), 'the search box is shown with JavaScript');
	const results = () => page.$$eval('#results li', (ls) => ls.filter((l) => l.offsetParent).map((l) => l.querySelector('a').textContent));
	const browsing = () => page.$eval('#projects', (h) => h.offsetParent !== null);
	await page.type('#q', facts.project);
	let r = await results();
	ok(r.length === 1 && r[0] === facts.project, `typing '${facts.project}' finds the project`, r.join(', '));
	ok(!(await browsing()), 'and hides the full lists');
	ok(/^1 match$/.test(await text(page, '#status')), 'the status says how many', await text(page, '#status'));
	await page.$eval('#q', (q) => { q.value = ''; });
	await page.type('#q', '<script>');
	r = await results();
	ok(r.length === 1 && r[0] === facts.model, "typing '<script>' finds the model by its revision", r.join(', '));
	await shot(page, 'search');
	await page.$eval('#q', (q) => { q.value = ''; });
	await page.type('#q', 'no-such-thing');
	ok((await results()).length === 0 && (await text(page, '#status')) === 'No project or model matches', 'a query without matches says so');
	await page.$eval('#q', (q) => { q.value = ''; });
	await page.type('#q', 'x');
	await page.keyboard.press('Backspace');
	ok((await results()).length === 0 && (await browsing()), 'an empty box shows the full lists again');
	await page.$eval('#q', (q) => { q.value = ''; });
	await page.type('#q', facts.model.split('/')[1]);
	r = await results();
	ok(r.includes(facts.model), 'the model by name', r.join(', '));
	await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
		page.$$eval('#results a', (as, m) => as.find((a) => a.textContent === m).click(), facts.model)]);
	ok((await pwned(page)) === undefined, "nothing injected ran on the index");

	// ---- the model page ------------------------------------------------------------------
	ok((await text(page, 'h1')) === `Model ${facts.model}`, 'the result leads to the model page', await text(page, 'h1'));
	ok((await structure(page)).length === 0, 'model page: structure', (await structure(page)).join('; '));
	const cells = await page.$$eval('tbody tr td:first-child a', (as) => as.map((a) => [a.textContent, a.href]));
	const hostile = cells.find((c) => c[0] === facts.file);
	ok(hostile !== undefined, 'the hostile file name is text in the table', cells.map((c) => c[0]).join(' | '));
	ok((await text(page, 'h3')) === `Revision ${facts.revision}`, 'the hostile revision is text in the heading', await text(page, 'h3'));
	const dl = await page.$$eval('pre code', (cs) => cs.map((c) => c.textContent).find((c) => c.includes('hf download')));
	ok(dl && dl.includes(`--revision '${facts.revision.replace(/'/g, "'\\''")}'`), 'the download command quotes the revision for a shell', dl);
	if (web && hostile) {
		// from here, not the page: its policy allows it no fetch()
		const x = await fetch(hostile[1]);
		const body = await x.text();
		ok(x.status === 200 && body === facts.file_content, 'its link fetches the file', `${x.status} ${hostile[1]}`);
	} else if (hostile) {
		const p = decodeURIComponent(new URL(hostile[1]).pathname);
		ok(fs.existsSync(p) && fs.readFileSync(p, 'utf8') === facts.file_content, 'its link names the file', p);
	}
	ok((await pwned(page)) === undefined, 'nothing injected ran on the model page');
	await shot(page, 'model');

	// ---- the bundle and project pages ------------------------------------------------------
	await page.goto(`${base}catalog/bundles/${facts.bundle}.html`, { waitUntil: 'load' });
	ok((await text(page, 'h1')) === `Bundle ${facts.bundle}`, 'the bundle page');
	ok((await structure(page)).length === 0, 'bundle page: structure', (await structure(page)).join('; '));
	const links = await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href')));
	ok(links.some((h) => /^\.\.\/\.\.\/requirements\/.*\.txt$/.test(h)), 'links the requirements', links.join(' '));
	const req = await page.$$eval('pre code', (cs) => cs.map((c) => c.textContent).find((c) => c.includes('--require-hashes')));
	ok(req && req.startsWith(`pip install --index-url ${base}simple/ --require-hashes -r ${base}requirements/`), 'the pinned install command', req);
	await shot(page, 'bundle');
	await page.goto(`${base}catalog/projects/${facts.project}.html`, { waitUntil: 'load' });
	ok((await text(page, 'h1')) === `Project ${facts.project}`, 'the project page');
	const files = await page.$$eval('tbody tr', (rs) => rs.map((r) => r.innerText.replace(/\s+/g, ' ')));
	ok(files.some((f) => f.startsWith(facts.project_version) && /\d B|KiB/.test(f)), 'versions with file sizes', files.join(' | '));
	await shot(page, 'project');

	// ---- a phone, a wall screen ---------------------------------------------------------------
	await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
	await page.goto(web ? base : `${base}index.html`, { waitUntil: 'load' });
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	ok(overflow <= 0, 'a phone: no page-wide horizontal scroll', overflow);
	await shot(page, 'phone');
	await page.setViewport({ width: 2560, height: 1440 });
	await page.goto(web ? base : `${base}index.html`, { waitUntil: 'load' });
	const fs1 = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
	ok(fs1 >= 20, 'a wall screen: larger text', fs1);
	await shot(page, 'wall');

	// ---- JavaScript off ---------------------------------------------------------------------
	const nojs = await newPage(false);
	await nojs.setViewport({ width: 1280, height: 900 });
	await nojs.goto(web ? base : `${base}index.html`, { waitUntil: 'load' });
	ok(await nojs.$eval('#find', (f) => f.offsetParent === null), 'without JavaScript: no dead search box');
	ok(await nojs.$eval('#projects', (h) => h.offsetParent !== null), 'the lists are there');
	const nconf = await nojs.$$eval('pre code', (cs) => cs.map((c) => c.textContent));
	ok(nconf.some((c) => c === '[global]\nindex-url = http://MIRROR/simple/'), 'the settings show a placeholder', nconf.join(' | '));
	ok(await nojs.$eval('[data-nojs]', (e) => e.offsetParent !== null), 'and say what to replace');
	await shot(nojs, 'nojs');

	ok(problems.length === 0, 'no console errors, failed requests or page errors', problems.join('\n'));
} catch (e) {
	ok(false, 'the checks ran to the end', e.stack);
}
await browser.close();
