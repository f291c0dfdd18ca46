// A real browser (Debian's chromium, headless, driven by playwright-core)
// walks an admin's first day on a fresh appliance.  Screenshots go to
// $TEST_ARTIFACTS/web/screens.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ok, failed, sql, BASE } from "./lib.mjs";

const SHOTS = join(process.env.TEST_ARTIFACTS || "tests/artifacts", "web",
    "screens");
const ADMIN = "alice", PW = "alice-first-pass-1";

let shotNo = 0;
async function shot(page, name) {
	shotNo++;
	await page.screenshot({ path: join(SHOTS,
	    `${String(shotNo).padStart(2, "0")}-${name}.png`), fullPage: true });
}

async function createNetwork(page, type, fields) {
	await page.goto(BASE + "/networks/new");
	await page.click(`#type-${type}`);
	for (const [k, v] of Object.entries(fields)) {
		const el = page.locator(`[name="${k}"]`);
		if (await el.getAttribute("type") === "checkbox") await el.check();
		else await el.fill(v);
	}
	await Promise.all([page.waitForNavigation(), page.click("#create-network")]);
	return page.url();
}

async function main() {
	mkdirSync(SHOTS, { recursive: true });
	const profile = mkdtempSync(join(tmpdir(), "warp-chromium-"));
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: "/usr/bin/chromium",
		headless: true,
		acceptDownloads: true,
		viewport: { width: 1280, height: 900 },
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic",
		    "--no-first-run", "--disable-background-networking",
		    "--disable-component-update", "--disable-sync"],
	});
	const page = ctx.pages()[0] || await ctx.newPage();
	const problems = [];
	page.on("console", (m) => { if (m.type() === "error")
	    problems.push(m.text()); });
	page.on("pageerror", (e) => problems.push(String(e)));
	page.on("dialog", (d) => d.accept());

	try {
		// First run: no user yet, so the admin is created in the browser.
		await page.goto(BASE + "/");
		ok(page.url().endsWith("/setup"), "a fresh appliance sends the "
		    + "browser to first-run setup", page.url());
		await shot(page, "setup");
		await page.fill("#username", ADMIN);
		await page.fill("#password", PW);
		await page.fill("#password2", PW);
		await Promise.all([page.waitForNavigation(),
		    page.click("#create-admin")]);
		ok(await page.locator("h1").innerText() === "Dashboard",
		    "the new admin is signed in on the dashboard");
		await shot(page, "dashboard-empty");

		// Where endpoints connect: the public host, in Settings.
		await page.goto(BASE + "/settings");
		await page.fill("#public_host", "vpn.example.test");
		await Promise.all([page.waitForNavigation(),
		    page.click("#save-settings")]);
		ok(await page.locator(".flash").count() === 1,
		    "server settings saved from the browser");

		// One network of each type.
		const urls = {};
		urls.si = await createNetwork(page, "secure-internet",
		    { name: "privacy", expected_users: "50",
		    description: "<b>staff</b> phones" });
		urls.rg = await createNetwork(page, "resource-gateway",
		    { name: "intranet", resources: "10.200.0.0/16\n10.201.0.0/24" });
		urls.l3 = await createNetwork(page, "l3vpn", { name: "sites" });
		urls.p2p = await createNetwork(page, "l2-p2p",
		    { name: "dc-link", vlan_range: "100-110" });
		urls.mesh = await createNetwork(page, "l2-mesh", { name: "campus" });
		const n = +sql("SELECT count(DISTINCT type) FROM networks");
		ok(n === 5 && Object.values(urls).every((u) =>
		    /\/networks\/\d+\?done=created$/.test(u)),
		    `one network of each of the 5 types created (${n} types)`);
		await page.goto(urls.si);
		ok((await page.locator("p", { hasText: "staff" }).first()
		    .innerText()).includes("<b>staff</b>"),
		    "a description with markup is shown as text, not markup");
		ok(/^\d{8}$/.test(await page.locator("#vcid").innerText()) &&
		    /^5182\d$/.test(await page.locator("#port").innerText()),
		    "the auto-assigned VCID and port are shown");
		await shot(page, "network-secure-internet");
		await page.goto(urls.mesh);
		ok(/^\d+$/.test(await page.locator("#vni").innerText()),
		    "the L2 mesh network shows its assigned VNI");

		// Endpoints: one by hand, five in bulk.
		await page.goto(urls.si.replace(/\?.*/, "") + "/endpoints/new");
		await page.fill("#ep-name", "alice-phone");
		await Promise.all([page.waitForNavigation(),
		    page.click("#create-endpoint")]);
		const epUrl = page.url().replace(/\?.*/, "");
		ok(/\/endpoints\/\d+$/.test(epUrl), "an endpoint is added");
		await page.goto(urls.si.replace(/\?.*/, "") + "/endpoints/new");
		await page.fill("#bulk-pattern", "staff-{n}");
		await page.fill("#bulk-count", "5");
		await Promise.all([page.waitForNavigation(),
		    page.click("#create-bulk")]);
		const rows = await page.locator("#endpoints tbody tr").count();
		ok(rows === 6, `bulk add: 5 more endpoints listed (${rows} rows)`);
		await shot(page, "network-with-endpoints");

		// Config: masked until revealed, downloadable, QR code.
		await page.goto(epUrl);
		const masked = await page.locator("#config").innerText();
		ok(/\[Interface\]/.test(masked) && !/PrivateKey = [A-Za-z0-9+/]{43}=/
		    .test(masked), "the config page hides the private key");
		const [dl] = await Promise.all([page.waitForEvent("download"),
		    page.click("#download")]);
		const file = await dl.path();
		const text = readFileSync(file, "utf8");
		ok(/^alice-phone\.conf$/.test(dl.suggestedFilename()) &&
		    /PrivateKey = [A-Za-z0-9+/]{43}=/.test(text) &&
		    /Endpoint = vpn\.example\.test:5182\d/.test(text) &&
		    /AllowedIPs = 0\.0\.0\.0\/0, ::\/0/.test(text),
		    `the config downloads as ${dl.suggestedFilename()} with key, `
		    + "endpoint and full-tunnel AllowedIPs");
		await Promise.all([page.waitForNavigation(),
		    page.click("#reveal")]);
		const box = await page.locator("#qr svg").boundingBox();
		ok(box && box.width > 100 && box.height > 100, `the QR code is `
		    + `shown (${box && Math.round(box.width)}x`
		    + `${box && Math.round(box.height)} px SVG)`);
		await shot(page, "endpoint-qr");

		// Disable an endpoint from the network page.
		await page.goto(urls.si.replace(/\?.*/, ""));
		await Promise.all([page.waitForNavigation(), page.click(
		    'button[data-ep="staff-1"]')]);
		const st = await page.locator("#endpoints tr", { hasText:
		    "staff-1" }).locator("td").nth(3).innerText();
		ok(st === "disabled", `an endpoint is disabled (${st})`);

		// Edit the network: a new config version for its endpoints.
		await page.goto(urls.si.replace(/\?.*/, "") + "/edit");
		await page.fill("#dns", "9.9.9.9");
		await Promise.all([page.waitForNavigation(),
		    page.click("#save-network")]);
		await page.goto(epUrl);
		const v = await page.locator("#ep-version").innerText();
		ok(v === "2", `editing the network's DNS made config version ${v}`);

		// Diff v1 -> v2.
		await Promise.all([page.waitForNavigation(), page.click("#diff")]);
		const diff = await page.locator("#diff-out").innerText();
		ok(/-\s*DNS = .*1\.1\.1\.1/.test(diff) && /\+\s*DNS = 9\.9\.9\.9/
		    .test(diff), "the diff of v1 and v2 shows the DNS change");
		await shot(page, "diff");

		// New keys (v3), then roll back to v2: the v2 keys are retired
		// and never return (issue 12; before, v4 brought them back).
		await page.goto(epUrl);
		const pub2 = await page.locator("td code").first().innerText();
		await Promise.all([page.waitForNavigation(),
		    page.click("#rotate-keys")]);
		const pub3 = await page.locator("td code").first().innerText();
		const v3 = await page.locator("#ep-version").innerText();
		ok(v3 === "3" && pub3 !== pub2, `rotating keys made version ${v3}`
		    + " with a new public key");
		const seen = problems.length;
		await Promise.all([page.waitForNavigation(),
		    page.click('button[data-rollback="2"]')]);
		const msg = await page.locator("body").innerText();
		/* The refusal is a 400 page: the one console error expected. */
		const extra = problems.splice(seen);
		ok(extra.every((x) => /status of 400/.test(x)), "the refused "
		    + "rollback is a 400 page and nothing else went wrong",
		    extra.join("; "));
		await page.goto(epUrl);
		const v4 = await page.locator("#ep-version").innerText();
		const pub4 = await page.locator("td code").first().innerText();
		ok(v4 === "3" && pub4 === pub3 && /retired/.test(msg),
		    "rollback to v2 does not bring the retired v2 key back and "
		    + "says so");
		await shot(page, "after-rollback");

		await page.goto(BASE + "/");
		await shot(page, "dashboard");
		ok(await page.locator("#ep-total").innerText() === "6" &&
		    await page.locator("#ep-disabled").innerText() === "1",
		    "the dashboard counts 6 endpoints, 1 disabled");

		// Sign out: back to the sign-in page, and the pages are closed.
		await Promise.all([page.waitForNavigation(),
		    page.click("#signout")]);
		await page.goto(BASE + "/networks");
		ok(page.url().endsWith("/login"), "after signing out the pages "
		    + "send the browser to sign in");
		await shot(page, "signed-out");
		ok(problems.length === 0, "no console errors or CSP violations "
		    + "in the whole walk", problems.join(" | "));
	} catch (e) {
		await shot(page, "failure").catch(() => {});
		console.log(`# failed at ${page.url()}`);
		throw e;
	} finally {
		await ctx.close();
		rmSync(profile, { recursive: true, force: true });
	}
}

main().then(() => process.exit(failed() ? 1 : 0), (e) => {
	console.log(`not ok - browser test crashed: ${e.message.split("\n")[0]}`);
	process.exit(1);
});
