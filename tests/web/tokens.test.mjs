// API tokens and the idle timeout (issue 12), on http.test.mjs's warpd:
// read-only scope, expiry, revocation on a password change, the Users
// page lists expiry, scope and last use; the dashboard's own refresh
// (X-Warp-Background) does not keep a session alive.
import { Client, ok, failed, login, pageCsrf, sql, warpctl, BASE } from "./lib.mjs";

const U = "tokuser", PW = "tokuser-pass-123";
const api = (tok, path, opts = {}) => fetch(BASE + path, { ...opts,
    headers: { authorization: `Bearer ${tok}`,
    "content-type": "application/json", ...(opts.headers || {}) } });

async function main() {
	warpctl(["user", "add", U, "--role", "admin", "--password-stdin"],
	    PW + "\n");
	const ro = warpctl(["token", "create", "ro", "--user", U,
	    "--read-only"]).trim();
	let r = await api(ro, "/api/v1/networks");
	const w = await api(ro, "/api/v1/networks", { method: "POST",
	    body: JSON.stringify({ name: "ronet", type: "l3vpn" }) });
	ok(r.status === 200 && w.status === 403 &&
	    /read-only/.test(await w.text()) &&
	    +sql("SELECT count(*) FROM networks WHERE name='ronet'") === 0,
	    `a read-only token reads (${r.status}) but cannot change (${w.status})`);
	const ex = warpctl(["token", "create", "soon", "--user", U,
	    "--expires", "2099-01-01T00:00:00Z"]).trim();
	r = await api(ex, "/api/v1/status");
	sql("UPDATE api_tokens SET expires_at = unixepoch() - 1 WHERE name='soon'");
	const r2 = await api(ex, "/api/v1/status");
	ok(r.status === 200 && r2.status === 401, `a token works until it `
	    + `expires, then 401 (${r.status}, ${r2.status})`);

	// The Users page: create with expiry and scope, listed with last use.
	const adm = new Client({ "x-real-ip": "198.51.100.30" });
	await login(adm, U, PW);
	let csrf = await pageCsrf(adm, "/users");
	r = await adm.post("/tokens", { form: { csrf, name: "webtok",
	    username: U, days: "7", scope: "read" } });
	const webtok = (/id="new-token">([^<]+)</.exec(r.text) || [])[1];
	const row = sql("SELECT scope, expires_at - unixepoch() FROM api_tokens "
	    + "WHERE name='webtok'").trim().split("|");
	ok(r.status === 201 && webtok && row[0] === "read" &&
	    Math.abs(+row[1] - 7 * 86400) < 120, "the Users page creates a "
	    + `read-only token expiring in 7 days (${row.join(" ")})`);
	await api(ro, "/api/v1/status");
	const page = (await adm.get("/users")).text;
	ok(/<td>ro<\/td>.*?<td>[^<]*ago[^<]*<\/td><td>never<\/td><td>read-only<\/td>/s
	    .test(page) && /webtok/.test(page), "tokens are listed with their "
	    + "last use, expiry and scope");
	r = await adm.post("/tokens", { form: { csrf, name: "bad",
	    username: U, scope: "root" } });
	ok(r.status === 400, `a bad scope is refused (${r.status})`);

	// A password change revokes every token of the user.
	const full = warpctl(["token", "create", "full", "--user", U]).trim();
	r = await api(full, "/api/v1/status");
	csrf = await pageCsrf(adm, "/account/password");
	const pc = await adm.post("/account/password", { form: { csrf,
	    current: PW, password: "tokuser-pass-456",
	    password2: "tokuser-pass-456" } });
	const after = await Promise.all([full, ro, webtok].map((t) =>
	    api(t, "/api/v1/status").then((x) => x.status)));
	ok(r.status === 200 && pc.status === 303 &&
	    after.every((s) => s === 401) && +sql("SELECT count(*) FROM "
	    + `api_tokens t JOIN users u ON u.id = t.user_id WHERE `
	    + `u.username = '${U}'`) === 0, "a password change revokes the "
	    + `user's API tokens (${after.join(",")})`);

	// Idle timeout: the page's refresh is not a user action.
	const c = new Client({ "x-real-ip": "198.51.100.31" });
	await login(c, "otto", "operator-pass-123");
	const sid = `(SELECT max(id) FROM sessions WHERE user_id = (SELECT id `
	    + `FROM users WHERE username = 'otto'))`;
	sql(`UPDATE sessions SET last_seen = last_seen - 1700 WHERE id = ${sid}`);
	const seen = +sql(`SELECT last_seen FROM sessions WHERE id = ${sid}`);
	const bg = { "x-warp-background": "1" };
	const b1 = await c.get("/api/v1/status", { headers: bg });
	const seen2 = +sql(`SELECT last_seen FROM sessions WHERE id = ${sid}`);
	sql(`UPDATE sessions SET last_seen = last_seen - 200 WHERE id = ${sid}`);
	const b2 = await c.get("/api/v1/status", { headers: bg });
	ok(b1.status === 200 && seen2 === seen && b2.status === 401,
	    "the dashboard's background refresh does not reset the idle clock: "
	    + `after 30 idle minutes it gets 401 (${b1.status}, ${b2.status})`);
	const c2 = new Client({ "x-real-ip": "198.51.100.32" });
	await login(c2, "otto", "operator-pass-123");
	const sid2 = sid;
	sql(`UPDATE sessions SET last_seen = last_seen - 1700 WHERE id = ${sid2}`);
	const s1 = +sql(`SELECT last_seen FROM sessions WHERE id = ${sid2}`);
	await c2.get("/networks");
	const s2 = +sql(`SELECT last_seen FROM sessions WHERE id = ${sid2}`);
	ok(s2 > s1 + 1600, "a page the user opens does reset it");
}

main().then(() => process.exit(failed() ? 1 : 0), (e) => {
	console.log(`not ok - token tests crashed: ${e.stack}`);
	process.exit(1);
});
