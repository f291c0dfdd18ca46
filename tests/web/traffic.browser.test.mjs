// Traffic charts in a real browser (Debian's chromium, headless): an
// endpoint with a day of history shows its server-rendered SVG chart on
// the endpoint, network and dashboard pages, with data in it, and the
// page's CSP reports no violation (securitypolicyviolation events and
// console errors are both watched).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ok, failed, sql, warpctl, BASE } from "./lib.mjs";

const SHOTS = join(process.env.TEST_ARTIFACTS || "tests/artifacts", "web",
    "screens");
const USER = "charlie", PW = "chart-pass-12345";

async function main() {
	mkdirSync(SHOTS, { recursive: true });
	warpctl(["user", "add", USER, "--role", "viewer", "--password-stdin"],
	    PW + "\n");
	warpctl(["create-network", "charts", "--type", "secure-internet",
	    "--default-down", "20mbit"]);
	warpctl(["create-endpoint", "charts", "laptop", "--type", "mobile"]);
	const ep = +sql("SELECT id FROM endpoints WHERE name = 'laptop'");
	const net = +sql("SELECT id FROM networks WHERE name = 'charts'");
	/* A day of minute points (and their roll-ups), as warpd records them. */
	const now = Math.floor(Date.now() / 1000);
	const rows = [];
	for (let i = 1; i <= 24 * 60; i += 7) {
		const at = now - i * 60;
		const rx = 100000 + (i * 7919) % 50000, tx = 20000 + (i * 104729) % 9000;
		rows.push(`(${ep}, ${net}, 60, ${at - at % 60}, ${rx}, ${tx})`);
	}
	sql("INSERT OR IGNORE INTO traffic_samples (endpoint_id, network_id, " +
	    "bucket, at, rx_bytes, tx_bytes) VALUES " + rows.join(",") + ";");

	const profile = mkdtempSync(join(tmpdir(), "warp-chromium-"));
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: "/usr/bin/chromium", headless: true,
		viewport: { width: 1280, height: 900 },
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic",
		    "--no-first-run", "--disable-background-networking",
		    "--disable-component-update", "--disable-sync"],
	});
	const page = ctx.pages()[0] || await ctx.newPage();
	const problems = [];
	page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
	page.on("pageerror", (e) => problems.push(String(e)));
	await page.addInitScript(() => {
		window.__csp = [];
		document.addEventListener("securitypolicyviolation",
		    (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
	});
	try {
		await page.goto(BASE + "/login");
		await page.fill("#username", USER);
		await page.fill("#password", PW);
		await Promise.all([page.waitForNavigation(),
		    page.click("button[type=submit]")]);
		for (const [what, path] of [["endpoint", `/endpoints/${ep}`],
		    ["network", `/networks/${net}`], ["dashboard", "/"]]) {
			await page.goto(BASE + path);
			const chart = page.locator("#tr-chart svg");
			const visible = await chart.count() === 1 && await chart.isVisible();
			const box = visible ? await chart.boundingBox() : null;
			const pts = visible ? await page.locator("#tr-chart polyline.rx")
			    .getAttribute("points") : "";
			const ys = (pts || "").split(" ").map((p) => +p.split(",")[1]);
			const csp = await page.evaluate(() => window.__csp);
			await page.screenshot({ path: join(SHOTS, `traffic-${what}.png`),
			    fullPage: true });
			ok(visible && box && box.width > 300 && box.height > 100 &&
			    ys.length > 100 && Math.min(...ys) < Math.max(...ys),
			    `the ${what} page shows the traffic chart with data `
			    + `(${ys.length} points, ${box ? Math.round(box.width) : 0}x`
			    + `${box ? Math.round(box.height) : 0})`);
			ok(csp.length === 0, `the ${what} page's chart causes no CSP `
			    + "violation", csp.join(" | "));
		}
		ok(problems.length === 0, "no console errors on the chart pages",
		    problems.join(" | "));
	} finally {
		await ctx.close();
		rmSync(profile, { recursive: true, force: true });
	}
}

main().then(() => process.exit(failed() ? 1 : 0), (e) => {
	console.log(`not ok - traffic browser test crashed: ${e.message.split("\n")[0]}`);
	process.exit(1);
});
