// The dashboard on a kernel that cannot realise networks (no VRF, like
// the build machines): one line at the top says so and why, instead of a
// red row per object. The reconciler runs for real (warpctl apply, in the
// web suite's own network namespace); on a kernel that has VRF the
// network applies and the dashboard must not show the line.
import { execFileSync } from "node:child_process";
import { Client, ok, failed, login, warpctl, DB } from "./lib.mjs";

const USER = "banner1", PW = "banner-pass-123";

async function main() {
	warpctl(["user", "add", USER, "--role", "admin", "--password-stdin"],
	    PW + "\n");
	warpctl(["create-network", "banner-l3", "--type", "l3vpn"]);
	warpctl(["create-network", "banner-l3b", "--type", "l3vpn"]);
	let out = "";
	try {
		out = execFileSync(process.env.WARPCTL, ["--db", DB, "apply"],
		    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
	} catch (e) {
		out = (e.stdout || "") + (e.stderr || "");
	}
	const lacks = /the kernel lacks ([^\n]*)/.exec(out);
	const c = new Client();
	const r = await login(c, USER, PW);
	ok(r.status === 303 || r.status === 302, `sign in (${r.status})`);
	const d = await c.get("/");
	const banners = (d.text.match(/id="kernel-banner"/g) || []).length;
	if (lacks) {
		const feature = lacks[1].trim();
		ok(banners === 1 && d.text.includes("This kernel cannot " +
		    "realise networks: it lacks " + feature.replace(/&/g, "&amp;")
		    .replace(/'/g, "&#39;")),
		    `a kernel without ${feature}: the dashboard says so in ` +
		    `one line (${banners} banner)`);
		ok(d.text.indexOf('id="kernel-banner"') < d.text.indexOf("<h1>"),
		    "the line is at the top, above the heading");
		ok(!/<td>[^<]*the kernel lacks/.test(d.text),
		    "no row per object repeats the kernel's lack");
	} else {
		ok(banners === 0, "a kernel that realised the networks: no " +
		    `banner (${banners})`);
	}
	process.exit(failed() ? 1 : 0);
}
main().catch((e) => { console.log("not ok - " + e.stack); process.exit(1); });
