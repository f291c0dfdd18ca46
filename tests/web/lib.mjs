// Shared helpers of the web tests: TAP-style output, a cookie-keeping HTTP
// client (no redirects followed), the route list of conf/warpd.conf and
// database snapshots through the sqlite3 CLI.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

export const BASE = process.env.WEB_BASE || "http://127.0.0.1:8080";
export const DB = process.env.WARP_DB;
export const WARPCTL = process.env.WARPCTL;

let failures = 0;
export function ok(cond, what, detail) {
	if (cond) {
		console.log(`ok - ${what}`);
	} else {
		failures++;
		console.log(`not ok - ${what}${detail ? ": " + detail : ""}`);
	}
	return cond;
}
export function failed() { return failures; }

export class Client {
	constructor(headers = {}) {
		this.cookies = new Map();
		this.headers = headers;
	}
	cookieHeader() {
		return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
	}
	async req(method, path, { form, json, body, headers = {}, raw } = {}) {
		const h = { ...this.headers, ...headers };
		if (this.cookies.size) h.cookie = this.cookieHeader();
		let data = body;
		if (form !== undefined) {
			data = new URLSearchParams(form).toString();
			h["content-type"] = "application/x-www-form-urlencoded";
		} else if (json !== undefined) {
			data = JSON.stringify(json);
			h["content-type"] = "application/json";
		}
		const res = await fetch(BASE + path, { method, headers: h,
		    body: data, redirect: "manual" });
		/* Node 18 before getSetCookie(): split the joined header. */
		const sc = res.headers.getSetCookie ? res.headers.getSetCookie() :
		    (res.headers.get("set-cookie") || "").split(/, (?=[A-Za-z_]+=)/)
		    .filter(Boolean);
		for (const c of sc) {
			const [kv] = c.split(";");
			const i = kv.indexOf("=");
			const k = kv.slice(0, i), v = kv.slice(i + 1);
			if (v === "" || /max-age=0/i.test(c)) this.cookies.delete(k);
			else this.cookies.set(k, v);
		}
		const text = raw ? null : await res.text();
		return { status: res.status, headers: res.headers, text,
		    setCookies: sc, res };
	}
	get(p, o) { return this.req("GET", p, o); }
	post(p, o) { return this.req("POST", p, o); }
}

export function csrfOf(html) {
	const m = /name="csrf" value="([^"]+)"/.exec(html || "");
	return m ? m[1] : null;
}

/* Sign in through the form (with its own pre-session CSRF token). */
export async function login(c, user, pass, headers = {}) {
	const g = await c.get("/login", { headers });
	const pre = (/action="\/login">\s*<input type="hidden" name="csrf" value="([^"]+)"/
	    .exec(g.text) || [])[1];
	return c.post("/login", { form: { csrf: pre, username: user,
	    password: pass }, headers });
}

export async function pageCsrf(c, path = "/") {
	return csrfOf((await c.get(path)).text);
}

export function sql(q) {
	return execFileSync("sqlite3", ["-batch", DB, q], { encoding: "utf8" });
}

/* Everything an admin could change; sessions and login attempts are
 * bookkeeping of the requests themselves and left out. */
export function snapshot() {
	return sql(`
	    SELECT 'n', * FROM networks ORDER BY id;
	    SELECT 'r', * FROM network_resources ORDER BY 2, 3;
	    SELECT 'e', id, network_id, name, kind, overlay_ip, public_key,
	        enabled, expires_at FROM endpoints ORDER BY id;
	    SELECT 'l', * FROM endpoint_lans ORDER BY 2, 3;
	    SELECT 'c', endpoint_id, version FROM endpoint_configs ORDER BY 2, 3;
	    SELECT 'u', id, username, password_hash, role,
	        must_change_password FROM users ORDER BY id;
	    SELECT 't', id, user_id, name FROM api_tokens ORDER BY id;
	    SELECT 'a', count(*), max(id) FROM audit_log;
	    SELECT 's', * FROM server_config;
	    SELECT 'k', * FROM subnet_containers ORDER BY 2;
	    SELECT 'p', object_type, object_id, status FROM apply_status ORDER BY 2, 3;`);
}

export function warpctl(args, input) {
	return execFileSync(WARPCTL, ["--db", DB, ...args],
	    { encoding: "utf8", input });
}

/*
 * Routes from conf/warpd.conf, each with a concrete path to try: numbers
 * for ids, the first alternative of a group, a real asset name.
 */
export function routes(ids) {
	const conf = readFileSync(new URL("../../conf/warpd.conf",
	    import.meta.url), "utf8");
	const out = [];
	for (const line of conf.split("\n")) {
		const m = /^\s*route\s+(\S+)\s+(\S+)/.exec(line);
		if (!m) continue;
		const [, pat, handler] = m;
		let p = pat.replace(/^\^/, "").replace(/\$$/, "");
		let n = 0;
		p = p.replace(/\[0-9\]\+/g, () => String(ids[n++] ?? ids[0]));
		p = p.replace(/\(([^|)]+)(\|[^)]*)?\)/g, "$1");
		p = p.replace(/\[a-z0-9_\.-\]\+/, "style.css");
		p = p.replace(/\\\./g, ".");
		if (p === "/.*") p = "/no/such/page";
		out.push({ pattern: pat, handler, path: p });
	}
	return out;
}
