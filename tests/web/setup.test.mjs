// First run under concurrency (issue 12): on a fresh database, 20 browsers
// post the /setup form at once; exactly one admin may come out of it.
import { Client, ok, failed, sql } from "./lib.mjs";

async function main() {
	const N = 20;
	const clients = [];
	for (let i = 0; i < N; i++) {
		const c = new Client();
		const g = await c.get("/setup");
		const pre = (/name="csrf" value="([^"]+)"/.exec(g.text) || [])[1];
		clients.push({ c, pre, ok: g.status === 200 && !!pre });
	}
	ok(clients.every((x) => x.ok), `${N} browsers get the first-run form`);
	const res = await Promise.all(clients.map((x, i) => x.c.post("/setup",
	    { form: { csrf: x.pre, username: `first${i}`,
	    password: `first-admin-pass-${i}`,
	    password2: `first-admin-pass-${i}` } })));
	const codes = res.map((r) => r.status);
	const users = sql("SELECT username || ':' || role FROM users").trim()
	    .split("\n").filter(Boolean);
	ok(users.length === 1 && /:admin$/.test(users[0]) &&
	    codes.filter((s) => s === 303).length === 1 &&
	    codes.every((s) => s === 303 || s === 404 || s === 409),
	    `${N} concurrent /setup POSTs on a fresh db create exactly one user `
	    + `(${users.join(",")}; ${codes.join(",")})`);
	const r = await new Client().get("/setup");
	ok(r.status === 404, "after that /setup is closed (404)");
}

main().then(() => process.exit(failed() ? 1 : 0), (e) => {
	console.log(`not ok - setup tests crashed: ${e.stack}`);
	process.exit(1);
});
