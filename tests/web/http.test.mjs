// HTTP tests of warpd: every route of conf/warpd.conf (enumerated from the
// file), the security list of the web admin issue, bad input and escaping.
import { readFileSync, readlinkSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { Client, ok, failed, login, pageCsrf, csrfOf, snapshot, sql,
    warpctl, routes, BASE } from "./lib.mjs";

const ADMIN = "root1", ADMIN_PW = "admin-pass-123";
const VIEWER = "vera", VIEWER_PW = "viewer-pass-123";
const OPER = "otto", OPER_PW = "operator-pass-123";
const PUBLIC = new Set(["warp_http_health", "warp_http_asset",
    "warp_page_login", "warp_page_setup", "warp_http_notfound",
    "warp_http_metrics"]);	/* its own token: tests/web/traffic.test.mjs */
const ANY_SIGNED_IN = new Set(["warp_page_logout", "warp_page_password"]);
const secrets = [ADMIN_PW, VIEWER_PW, OPER_PW];

function headersOk(r) {
	const csp = r.headers.get("content-security-policy") || "";
	const script = (/script-src ([^;]*)/.exec(csp) || [, ""])[1];
	return csp.includes("frame-ancestors 'none'") &&
	    /default-src 'none'/.test(csp) && script.includes("'self'") &&
	    !script.includes("unsafe-inline") && !script.includes("unsafe-eval") &&
	    r.headers.get("x-content-type-options") === "nosniff" &&
	    !!r.headers.get("referrer-policy");
}

function workers() {
	const parent = +process.env.WARPD_PID;
	return readFileSync(`/proc/${parent}/task/${parent}/children`, "utf8")
	    .trim().split(/\s+/).map(Number).filter(Boolean).sort();
}

/* Deterministic junk: a small xorshift generator. */
let seed = 0x2545f491;
function rnd(n) {
	seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5;
	seed >>>= 0;
	return seed % n;
}
function junk(len) {
	const alpha = "%&=+;<>\"'{}[]\\/ \n\r\t\u00e9\u2603abcXYZ019-_.:?#$";
	let out = "";
	for (let i = 0; i < len; i++) out += alpha[rnd(alpha.length)];
	return out;
}

async function main() {
	const startWorkers = workers();
	// Users: one of each role, made with warpctl as an admin would.
	warpctl(["user", "add", ADMIN, "--role", "admin", "--password-stdin"],
	    ADMIN_PW + "\n");
	warpctl(["user", "add", VIEWER, "--role", "viewer", "--password-stdin"],
	    VIEWER_PW + "\n");
	warpctl(["user", "add", OPER, "--role", "operator", "--password-stdin"],
	    OPER_PW + "\n");
	warpctl(["user", "add", "victim", "--role", "viewer",
	    "--password-stdin"], "victim-pass-123\n");

	const hash = sql(`SELECT password_hash FROM users WHERE username='${ADMIN}'`);
	const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=\d+\$/.exec(hash);
	ok(m && +m[1] >= 19456 && +m[2] >= 2,
	    `passwords are argon2id with >= 19 MiB and >= 2 passes (m=${m && m[1]} KiB, t=${m && m[2]})`);

	const admin = new Client();
	let r = await login(admin, ADMIN, ADMIN_PW);
	ok(r.status === 303 && r.headers.get("location") === "/",
	    "admin signs in through the form (303 to /)", `got ${r.status}`);
	const sc = r.setCookies.find((c) => c.startsWith("warp_session="));
	ok(sc && /HttpOnly/i.test(sc) && /SameSite=Strict/i.test(sc) &&
	    !/Secure/i.test(sc), "session cookie is HttpOnly + SameSite=Strict "
	    + "(no Secure over plain HTTP)", sc);
	const tok = admin.cookies.get("warp_session") || "";
	ok(/^[A-Za-z0-9_-]{43}$/.test(tok), `session token has 256 random bits `
	    + `(43 base64url chars, got ${tok.length})`);
	secrets.push(tok);
	let csrf = await pageCsrf(admin);
	ok(!!csrf, "pages carry a per-session CSRF token");

	// Objects to aim at: one network of each kind of route, an endpoint,
	// a user and a token.
	r = await admin.post("/networks", { form: { csrf, type: "l3vpn",
	    name: "corp", description: "<script>alert('x')</script> & co" } });
	ok(r.status === 303, "admin creates a network (303)", r.text);
	const netId = +sql("SELECT id FROM networks WHERE name='corp'");
	r = await admin.post(`/networks/${netId}/endpoints`, { form: { csrf,
	    name: "site-a", kind: "cpe", lans: "192.168.50.0/24" } });
	ok(r.status === 303, "admin adds an endpoint (303)", r.text);
	const epId = +sql("SELECT id FROM endpoints WHERE name='site-a'");
	const tokOut = warpctl(["token", "create", "ci", "--user", ADMIN]).trim();
	secrets.push(tokOut);
	const tokenId = +sql("SELECT max(id) FROM api_tokens");
	const victimId = +sql("SELECT id FROM users WHERE username='victim'");
	ok(/^warp_[A-Za-z0-9_-]{43}$/.test(tokOut) &&
	    !sql("SELECT hex(token_hash) FROM api_tokens").includes(tokOut),
	    "API tokens have 256 bits and only their hash is stored");

	const ids = { networks: netId, endpoints: epId, users: victimId,
	    tokens: tokenId };
	const all = routes([]).map((rt) => {
		let p = rt.pattern.replace(/^\^/, "").replace(/\$$/, "");
		const seg = p.replace(/^\/api\/v1/, "").split("/")[1];
		p = p.replace(/\[0-9\]\+/g, String(ids[seg] ?? netId));
		p = p.replace(/\(([^|)]+)(\|[^)]*)?\)/g, "$1")
		    .replace(/\[a-z0-9_\.-\]\+/, "style.css").replace(/\\\./g, ".");
		if (p === "/.*") p = "/no/such/page";
		return { ...rt, path: p };
	});
	ok(all.length >= 40, `${all.length} routes read from conf/warpd.conf`);

	// 1. Unauthenticated: redirect to /login (pages) or 401 (API, POST).
	const anon = new Client();
	let bad = [];
	for (const rt of all) {
		if (PUBLIC.has(rt.handler)) continue;
		const g = await anon.get(rt.path);
		const api = rt.path.startsWith("/api/");
		const gOk = api ? g.status === 401 :
		    g.status === 303 && g.headers.get("location") === "/login";
		const p = await anon.post(rt.path, { form: { x: "1" } });
		if (!gOk || p.status !== 401)
			bad.push(`${rt.path} GET ${g.status} POST ${p.status}`);
	}
	ok(bad.length === 0, "every non-public route: anonymous GET -> "
	    + "redirect to /login (API: 401), anonymous POST -> 401",
	    bad.join(", "));

	// 2. Every route, signed in, with no / a foreign CSRF token:
	// 403 (or 405 for read-only routes), nothing changed.
	const victim = new Client();
	await login(victim, "victim", "victim-pass-123");
	const foreign = await pageCsrf(victim);
	ok(foreign && foreign !== csrf, "another session has another CSRF token");
	let before = snapshot();
	let forbidden = 0, readonly = 0;
	bad = [];
	for (const rt of all) {
		if (PUBLIC.has(rt.handler)) continue;
		for (const variant of [{}, { csrf: foreign }]) {
			const form = { ...variant, name: "x", version: "1",
			    type: "l3vpn", username: "zz", password: "zzzzzzzzzzzz",
			    password2: "zzzzzzzzzzzz", current: ADMIN_PW,
			    pattern: "b-{n}", count: "2", role: "admin" };
			const p = await admin.post(rt.path, { form });
			if (p.status === 403) forbidden++;
			else if (p.status === 405) readonly++;
			else bad.push(`POST ${rt.path} (${variant.csrf ?
			    "foreign" : "no"} token) -> ${p.status}`);
			if (rt.path.startsWith("/api/")) {
				const d = await admin.req("DELETE", rt.path,
				    { headers: variant.csrf ?
				    { "x-csrf-token": variant.csrf } : {} });
				if (d.status !== 403 && d.status !== 405)
					bad.push(`DELETE ${rt.path} -> ${d.status}`);
			}
		}
	}
	ok(bad.length === 0 && snapshot() === before,
	    `every state-changing route refuses a missing or foreign CSRF token `
	    + `(${forbidden} x 403, ${readonly} x 405 on read-only routes), `
	    + `database unchanged`, bad.join(", "));
	r = await admin.post("/api/v1/networks", { json: { name: "apinet",
	    type: "l3vpn" } });
	ok(r.status === 403 && /CSRF/.test(r.text) && snapshot() === before,
	    "API with a session cookie needs X-CSRF-Token (403, JSON error)",
	    r.text);

	// 3. Viewer cannot change anything, anywhere.
	const viewer = new Client();
	await login(viewer, VIEWER, VIEWER_PW);
	const vcsrf = await pageCsrf(viewer);
	const op = new Client();
	await login(op, OPER, OPER_PW);
	const ocsrf = await pageCsrf(op);
	before = snapshot();	/* sign-ins are audited */
	bad = [];
	for (const rt of all) {
		if (PUBLIC.has(rt.handler) || ANY_SIGNED_IN.has(rt.handler))
			continue;
		const form = { csrf: vcsrf, name: "viewernet", type: "l3vpn",
		    version: "1", username: "zz", password: "zzzzzzzzzzzz",
		    role: "admin", pattern: "v-{n}", count: "2",
		    public_host: "evil.example" };
		const p = await viewer.post(rt.path, { form,
		    headers: { "x-csrf-token": vcsrf } });
		if (p.status !== 403 && p.status !== 405)
			bad.push(`POST ${rt.path} -> ${p.status}`);
		if (rt.path.startsWith("/api/")) {
			const d = await viewer.req("DELETE", rt.path,
			    { headers: { "x-csrf-token": vcsrf } });
			if (d.status !== 403 && d.status !== 405)
				bad.push(`DELETE ${rt.path} -> ${d.status}`);
		}
	}
	ok(bad.length === 0 && snapshot() === before,
	    "viewer: every changing request is refused (403), database unchanged",
	    bad.join(", "));
	r = await viewer.get(`/networks/${netId}`);
	ok(r.status === 200 && !/id="edit-network"/.test(r.text),
	    "viewer can read a network page, without edit controls");
	r = await viewer.get(`/endpoints/${epId}/config`);
	ok(r.status === 403, "viewer cannot download private keys (403)");
	// Viewers see no config text anywhere, so not as a diff either.
	r = await viewer.get(`/endpoints/${epId}/diff?a=1&b=1`);
	const vep = await viewer.get(`/endpoints/${epId}`);
	const adiff = await admin.get(`/endpoints/${epId}/diff?a=1&b=1`);
	ok(r.status === 403 && vep.status === 200 &&
	    !/id="diff"/.test(vep.text) && adiff.status === 200,
	    "viewer cannot open a config diff (403) and gets no diff form; "
	    + "an admin can", `viewer ${r.status}, admin ${adiff.status}`);
	r = await op.post("/users", { form: { csrf: ocsrf, username: "evil",
	    password: "evil-pass-1234", role: "admin" } });
	const r2 = await op.get("/users");
	ok(r.status === 403 && r2.status === 403 && snapshot() === before,
	    "operator cannot manage users (403)");

	// 4. Headers on every response, including errors and assets.
	bad = [];
	for (const rt of all) {
		for (const c of [anon, admin]) {
			const g = await c.get(rt.path);
			if (!headersOk(g)) bad.push(`${rt.path} (${g.status})`);
		}
	}
	const e404 = await anon.get("/definitely/not/here");
	ok(bad.length === 0 && headersOk(e404) && e404.status === 404,
	    "CSP without inline script, nosniff, frame-ancestors 'none' and "
	    + "Referrer-Policy on every route's response (and 404s)",
	    bad.join(", "));
	const css = await anon.get("/assets/style.css");
	ok(css.status === 200 && /text\/css/.test(css.headers.get("content-type")),
	    "CSS is compiled in and served with a text/css type");
	const pages = [(await admin.get("/")).text,
	    (await admin.get(`/networks/${netId}`)).text,
	    (await admin.get(`/endpoints/${epId}`)).text];
	ok(pages.every((t) => !/<script(?![^>]*\bsrc=)[^>]*>/i.test(t) &&
	    !/\son[a-z]+=/i.test(t)), "pages have no inline script or "
	    + "event-handler attributes (CSP-clean)");

	// 5. Escaping: the description with markup is shown as text.
	r = await admin.get(`/networks/${netId}`);
	ok(r.text.includes("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co")
	    && !r.text.includes("<script>alert"),
	    "markup in a description is escaped on the network page");
	r = await admin.get("/networks");
	ok(!r.text.includes("<script>alert"), "and on the network list");

	r = await admin.get("/audit?user=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
	    + "&object=%22%3E%3Cimg%20src%3Dx%3E");
	ok(r.status === 200 && !r.text.includes("<script>alert") &&
	    !r.text.includes("<img src=x>") &&
	    r.text.includes("&lt;script&gt;alert(1)"),
	    "filter values echoed on the audit page are escaped");
	csrf = await pageCsrf(admin);
	r = await admin.post(`/endpoints/${epId}/lans`, { form: { csrf,
	    lans: "192.168.50.0/24 192.168.51.0/24" } });
	const lanCount = +sql(`SELECT count(*) FROM endpoint_lans WHERE
	    endpoint_id = ${epId}`);
	before = snapshot();
	const r5 = await admin.post(`/endpoints/${epId}/lans`, { form: { csrf,
	    lans: "192.168.52.0/33" } });
	ok(r.status === 303 && lanCount === 2 && r5.status === 400 &&
	    snapshot() === before, "LAN subnets of a site are edited in the "
	    + "browser; a bad CIDR is refused with nothing changed");

	// A one-time password (warpctl) must be changed before anything else.
	const otp = (/one-time password for \S+: (\S+)/.exec(warpctl(["user",
	    "add", "newbie", "--role", "operator"])) || [])[1];
	secrets.push(otp);
	const nb = new Client();
	r = await login(nb, "newbie", otp);
	const r6 = await nb.get("/networks");
	const nbcsrf = csrfOf((await nb.get("/account/password")).text);
	const r7 = await nb.post("/account/password", { form: { csrf: nbcsrf,
	    current: otp, password: "newbie-own-pass-1",
	    password2: "newbie-own-pass-1" } });
	const r8 = await nb.get("/networks");
	ok(r.headers.get("location") === "/account/password" &&
	    r6.headers.get("location") === "/account/password" &&
	    r7.status === 303 && r8.status === 200, "a one-time password "
	    + "leads to the password page until a new one is chosen");
	secrets.push("newbie-own-pass-1");

	// 6. Bad input: a readable 4xx, nothing changed (DESIGN §2 cases).
	csrf = await pageCsrf(admin);
	const cases = [
	    ["name too long", { type: "l3vpn", name: "a".repeat(33) }],
	    ["name with markup", { type: "l3vpn", name: "<script>x</script>" }],
	    ["name with a space", { type: "l3vpn", name: "a b" }],
	    ["duplicate name", { type: "l3vpn", name: "corp" }],
	    ["unknown type", { type: "l4vpn", name: "n1" }],
	    ["VLAN 0", { type: "l2-p2p", name: "n2", vlan: "0" }],
	    ["VLAN 4095", { type: "l2-p2p", name: "n3", vlan: "4095" }],
	    ["VLAN range reversed", { type: "l2-p2p", name: "n4",
		vlan_range: "200-100" }],
	    ["VNI 0", { type: "l2-mesh", name: "n5", vni: "0" }],
	    ["VNI 16777216", { type: "l2-mesh", name: "n6", vni: "16777216" }],
	    ["subnet with host bits", { type: "l3vpn", name: "n7",
		subnet: "10.104.0.1/24" }],
	    ["prefix /33", { type: "l3vpn", name: "n8", subnet: "10.0.0.0/33" }],
	    ["octet 300", { type: "l3vpn", name: "n9", subnet: "300.0.0.0/24" }],
	    ["expected users not a number", { type: "l3vpn", name: "n10",
		expected_users: "ten" }],
	    ["resource gateway without resources", { type: "resource-gateway",
		name: "n11" }],
	    ["bad resource CIDR", { type: "resource-gateway", name: "n12",
		resources: "10.0.0.0/8\nnot-a-cidr" }],
	    ["port out of range", { type: "l3vpn", name: "n13",
		listen_port: "70000" }],
	    ["bad DNS", { type: "l3vpn", name: "n14", dns: "1.2.3" }],
	];
	before = snapshot();
	bad = [];
	for (const [what, f] of cases) {
		const p = await admin.post("/networks", { form: { csrf, ...f } });
		const msg = (/id="error">([^<]*)</.exec(p.text) || [])[1];
		if (p.status < 400 || p.status > 499 || !msg || msg.length < 8)
			bad.push(`${what}: ${p.status} ${msg}`);
		else
			console.log(`#   ${what}: ${p.status} ${msg}`);
	}
	ok(bad.length === 0 && snapshot() === before, `${cases.length} bad `
	    + "network forms: each a 4xx with a readable message, nothing "
	    + "changed", bad.join("; "));

	// Conflicts that need existing state.
	r = await admin.post("/networks", { form: { csrf, type: "l2-p2p",
	    name: "p2p1", vlan: "100" } });
	const p2pId = +sql("SELECT id FROM networks WHERE name='p2p1'");
	r = await admin.post("/networks", { form: { csrf, type: "l2-mesh",
	    name: "mesh1", vni: "5000" } });
	before = snapshot();
	const conflicts = [
	    ["VLAN already claimed", { type: "l2-p2p", name: "p2p2",
		vlan: "100" }],
	    ["VNI already used", { type: "l2-mesh", name: "mesh2",
		vni: "5000" }],
	    ["overlapping subnet", { type: "l3vpn", name: "ovl",
		subnet: sql("SELECT subnet FROM networks WHERE name='corp'").trim() }],
	];
	bad = [];
	for (const [what, f] of conflicts) {
		const p = await admin.post("/networks", { form: { csrf, ...f } });
		const msg = (/id="error">([^<]*)</.exec(p.text) || [])[1];
		if (p.status < 400 || p.status > 499 || !msg)
			bad.push(`${what}: ${p.status}`);
		else
			console.log(`#   ${what}: ${p.status} ${msg}`);
	}
	ok(bad.length === 0 && snapshot() === before, "conflicting VLAN, VNI "
	    + "and overlapping subnet: 4xx with a message, nothing changed",
	    bad.join("; "));
	await admin.post(`/networks/${p2pId}/endpoints`, { form: { csrf,
	    name: "s1", kind: "cpe" } });
	await admin.post(`/networks/${p2pId}/endpoints`, { form: { csrf,
	    name: "s2", kind: "cpe" } });
	before = snapshot();
	r = await admin.post(`/networks/${p2pId}/endpoints`, { form: { csrf,
	    name: "s3", kind: "cpe" } });
	ok(r.status >= 400 && r.status < 500 && snapshot() === before,
	    `L2 point-to-point refuses a third endpoint (${r.status}: `
	    + `${(/id="error">([^<]*)</.exec(r.text) || [])[1]})`);
	r = await admin.post(`/networks/${netId}/endpoints/bulk`, { form: {
	    csrf, pattern: "x-{n}", count: "3", kind: "cpe" } });
	const r3 = await admin.post(`/networks/${netId}/endpoints/bulk`, {
	    form: { csrf, pattern: "x-{n}", count: "5", kind: "cpe" } });
	ok(r.status === 303 && r3.status === 409 &&
	    +sql(`SELECT count(*) FROM endpoints WHERE name LIKE 'x-%'`) === 3,
	    "bulk add is all or nothing (a clash on x-1 creates none of 5)",
	    `${r.status} ${r3.status}`);
	before = snapshot();
	r = await admin.post(`/networks/${netId}/endpoints/bulk`, { form: {
	    csrf, pattern: "full-{n}", count: "20", kind: "mobile" } });
	const fullMsg = (/id="error">([^<]*)</.exec(r.text) || [])[1] || "";
	const times = (w) => fullMsg.split(w).length - 1;
	ok(r.status === 409 && snapshot() === before &&
	    times("is full") === 1 && times("nothing was created") === 1 &&
	    /^endpoint \d+ of 20 /.test(fullMsg) && times(" of 20") === 1 &&
	    fullMsg.includes("Expected users") && !fullMsg.includes("--"),
	    "a bulk add that does not fit says so once, in the web's words "
	    + "(a form field, no CLI flag), and creates nothing", fullMsg);

	// Port pool exhausted: shrink the pool to the ports in use.
	const used = sql("SELECT min(listen_port), max(listen_port) FROM networks")
	    .trim().split("|");
	warpctl(["config", "set", "port-pool", `${used[0]}-${+used[0] + 3}`]);
	const n = +sql("SELECT count(*) FROM networks");
	before = snapshot();
	bad = [];
	for (let i = n; i < 4; i++) {
		await admin.post("/networks", { form: { csrf, type: "l3vpn",
		    name: `fill${i}` } });
	}
	before = snapshot();
	r = await admin.post("/networks", { form: { csrf, type: "l3vpn",
	    name: "onetoomany" } });
	ok(r.status >= 400 && r.status < 500 && /port/i.test(r.text) &&
	    snapshot() === before, `port pool exhausted: ${r.status} `
	    + `${(/id="error">([^<]*)</.exec(r.text) || [])[1]}`);
	warpctl(["config", "set", "port-pool", "51820-51899"]);

	// Malformed and oversized bodies.
	before = snapshot();
	const raw = async (body, ct) => admin.post("/networks", { body,
	    headers: { "content-type": ct || "application/x-www-form-urlencoded" } });
	const malformed = [
	    ["bad percent escape", await raw(`csrf=${csrf}&type=l3vpn&name=a%zz`)],
	    ["NUL byte", await raw(`csrf=${csrf}&type=l3vpn&name=a%00b`)],
	    ["invalid UTF-8", await raw(`csrf=${csrf}&type=l3vpn&name=a%ff%fe`)],
	    ["129 fields", await raw(`csrf=${csrf}&` +
		Array.from({ length: 129 }, (_, i) => `f${i}=1`).join("&"))],
	    ["a 70 KB field", await raw(`csrf=${csrf}&type=l3vpn&description=`
		+ "a".repeat(70000))],
	    ["2 MB body", { status: +execFileSync("curl", ["-s", "-o",
		"/dev/null", "-w", "%{http_code}", "-b", admin.cookieHeader(),
		"--data-binary", "@-", BASE + "/networks"], { input: `csrf=${csrf}&d=`
		+ "a".repeat(2 << 20), encoding: "utf8" }) }],
	    ["JSON to a form route", await raw(`{"csrf":"${csrf}"}`,
		"application/json")],
	    ["text/plain body", await raw("hello", "text/plain")],
	];
	bad = malformed.filter(([, p]) => p.status < 400 || p.status > 499)
	    .map(([w, p]) => `${w}: ${p.status}`);
	console.log("#   " + malformed.map(([w, p]) => `${w}: ${p.status}`)
	    .join(", "));
	ok(bad.length === 0 && snapshot() === before, "malformed, oversized "
	    + "and mistyped bodies: 4xx, nothing changed", bad.join("; "));
	r = await fetch(BASE + "/api/v1/networks", { method: "POST",
	    headers: { authorization: `Bearer ${tokOut}`,
	    "content-type": "application/json" }, body: "{\"name\": " });
	const jt = await r.text();
	ok(r.status === 400 && JSON.parse(jt).error, "API: malformed JSON "
	    + "-> 400 with a JSON error", jt);
	r = await fetch(BASE + "/healthz");
	ok(r.status === 200, "workers survived every bad request (health 200)");

	// 7. API with a token; errors as JSON.
	const bearer = { authorization: `Bearer ${tokOut}` };
	r = await fetch(BASE + "/api/v1/networks", { method: "POST",
	    headers: { ...bearer, "content-type": "application/json" },
	    body: JSON.stringify({ name: "apinet", type: "resource-gateway",
	    resources: ["10.50.0.0/16", "10.60.0.0/16"] }) });
	let j = await r.json();
	ok(r.status === 201 && j.name === "apinet" &&
	    j.resource_subnets.length === 2,
	    "API token creates a network (201, JSON)", JSON.stringify(j));
	const apinetId = j.id;
	r = await fetch(BASE + `/api/v1/networks/${j.id}/endpoints`, {
	    method: "POST", headers: { ...bearer,
	    "content-type": "application/json" },
	    body: JSON.stringify({ name: "laptop", kind: "mobile" }) });
	const ep = await r.json();
	r = await fetch(BASE + `/api/v1/endpoints/${ep.id}/config`,
	    { headers: bearer });
	const conf = await r.text();
	ok(r.status === 200 && /\[Interface\]/.test(conf) &&
	    /AllowedIPs = .*10\.50\.0\.0\/16/.test(conf),
	    "API returns the endpoint's config");
	const pk = (/PrivateKey = (\S+)/.exec(conf) || [])[1];
	if (pk) secrets.push(pk);
	r = await fetch(BASE + "/api/v1/networks/999999", { headers: bearer });
	j = await r.json();
	ok(r.status === 404 && typeof j.error === "string",
	    "API errors are JSON with a message (404)", JSON.stringify(j));
	r = await fetch(BASE + "/api/v1/status", { headers: { authorization:
	    "Bearer warp_forged0000000000000000000000000000000000" } });
	ok(r.status === 401, "a forged API token is refused (401)");

	// 7b. One JSON contract: warpctl --json and /api/v1 give the same
	// document for the same object (src/web/README.md, JSON contract).
	const api = async (path) => (await fetch(BASE + path,
	    { headers: bearer })).json();
	const cli = (args) => JSON.parse(warpctl(args));
	const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
	await fetch(BASE + `/api/v1/endpoints/${ep.id}/disable`,
	    { method: "POST", headers: bearer });
	const pairs = [
	    ["network", cli(["show-network", String(apinetId), "--json"]),
		await api(`/api/v1/networks/${apinetId}`)],
	    ["network list", cli(["list-networks", "--json"]),
		await api("/api/v1/networks")],
	    ["endpoint", cli(["show-endpoint", String(ep.id), "--json"]),
		await api(`/api/v1/endpoints/${ep.id}`)],
	    ["site with LANs", cli(["show-endpoint", String(epId), "--json"]),
		await api(`/api/v1/endpoints/${epId}`)],
	    ["endpoint list", cli(["list-endpoints", String(netId), "--json"]),
		await api(`/api/v1/networks/${netId}/endpoints`)],
	    ["config history", cli(["history", String(ep.id), "--json"]),
		await api(`/api/v1/endpoints/${ep.id}/versions`)],
	    ["status", cli(["status", "--json", "--stored"]),
		await api("/api/v1/status")],
	];
	bad = pairs.filter(([, c, w]) => !same(c, w)).map(([what, c, w]) =>
	    `${what}: cli ${JSON.stringify(c)} api ${JSON.stringify(w)}`);
	ok(bad.length === 0, `warpctl --json and /api/v1 give the same document `
	    + `(${pairs.map(([w]) => w).join(", ")})`, bad.join("; "));
	const net = pairs[0][1], site = pairs[3][1], sdoc = pairs[6][1];
	const dis = pairs[2][1];
	ok(net.type === "resource-gateway" && net.resource_subnets.length === 2 &&
	    net.peer_communication === false && net.enabled === true &&
	    net.vni === null && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
	    .test(net.created_at) && site.type === "cpe" &&
	    site.lan_subnets.length === 2 && site.expires_at === null &&
	    dis.enabled === false && dis.status === "disabled" &&
	    sdoc.counts.networks === +sql("SELECT count(*) FROM networks") &&
	    sdoc.counts.disabled >= 1 && Array.isArray(sdoc.networks),
	    "the contract: type / resource_subnets / lan_subnets, booleans, "
	    + "ISO times, null for none; status carries counts",
	    JSON.stringify([net, site, dis, sdoc.counts]));
	const cnt = await api("/api/v1/status?counts=1");
	ok(same(cnt, { counts: sdoc.counts }), "/api/v1/status?counts=1 is the "
	    + "counts of the status document (the dashboard's poll)",
	    JSON.stringify(cnt));
	await fetch(BASE + `/api/v1/endpoints/${ep.id}/enable`,
	    { method: "POST", headers: bearer });

	// 8. Sessions: replaced at login, ended server-side at logout,
	// 30 min idle, 12 h absolute.
	const c1 = new Client();
	await login(c1, OPER, OPER_PW);
	const t1 = c1.cookies.get("warp_session");
	await login(c1, OPER, OPER_PW);
	const t2 = c1.cookies.get("warp_session");
	const stale = new Client();
	stale.cookies.set("warp_session", t1);
	r = await stale.get("/");
	ok(t1 && t2 && t1 !== t2 && r.status === 303,
	    "signing in again replaces the session token; the old one is dead");
	const lc = await pageCsrf(c1);
	await c1.post("/logout", { form: { csrf: lc } });
	stale.cookies.set("warp_session", t2);
	r = await stale.get("/");
	ok(r.status === 303 && r.headers.get("location") === "/login",
	    "after sign-out the token is invalid server-side (replay -> /login)");
	const c3 = new Client();
	await login(c3, OPER, OPER_PW);
	sql(`UPDATE sessions SET last_seen = last_seen - 1801 WHERE user_id =
	    (SELECT id FROM users WHERE username='${OPER}')`);
	r = await c3.get("/");
	ok(r.status === 303, "a session idle for 30 minutes is gone");
	await login(c3, OPER, OPER_PW);
	sql(`UPDATE sessions SET created_at = created_at - 43201 WHERE user_id =
	    (SELECT id FROM users WHERE username='${OPER}')`);
	r = await c3.get("/");
	ok(r.status === 303, "a session older than 12 hours is gone, even if active");
	await login(c3, OPER, OPER_PW);
	sql(`UPDATE sessions SET created_at = created_at - 43000,
	    last_seen = last_seen - 1700 WHERE user_id =
	    (SELECT id FROM users WHERE username='${OPER}')`);
	r = await c3.get("/");
	ok(r.status === 200, "a session inside both limits still works");
	const tls = new Client({ "x-forwarded-proto": "https" });
	r = await login(tls, OPER, OPER_PW);
	ok(r.setCookies.some((c) => /^warp_session=.*;.*Secure/i.test(c)),
	    "behind TLS (X-Forwarded-Proto: https from nginx) the cookie is Secure");

	// 9. Login throttling: 5 failures per account+address in 15 minutes.
	const attacker = { "x-real-ip": "192.0.2.7" };
	const codes = [];
	for (let i = 0; i < 6; i++) {
		const c = new Client();
		codes.push((await login(c, OPER, "wrong-password-" + i,
		    attacker)).status);
	}
	const cgood = new Client();
	r = await login(cgood, OPER, OPER_PW, attacker);
	ok(codes.slice(0, 5).every((s) => s === 401) && codes[5] === 429 &&
	    r.status === 429 && r.headers.get("retry-after"),
	    `5 failures then 429 for that account+address, even with the right `
	    + `password (${codes.join(",")},${r.status})`);
	r = await login(new Client(), OPER, OPER_PW, { "x-real-ip": "192.0.2.8" });
	const r4 = await login(new Client(), ADMIN, ADMIN_PW, attacker);
	ok(r.status === 303 && r4.status === 303, "the same account from another "
	    + "address, and another account from that address, still sign in");
	sql(`UPDATE login_attempts SET at = at - 901`);
	r = await login(new Client(), OPER, OPER_PW, attacker);
	ok(r.status === 303, "after 15 minutes the address may try again");

	// 10. Privilege separation: workers unprivileged, seccomp, no caps.
	const parent = +process.env.WARPD_PID;
	const kids = readFileSync(`/proc/${parent}/task/${parent}/children`,
	    "utf8").trim().split(/\s+/).map(Number).filter(Boolean);
	const st = kids.map((k) => readFileSync(`/proc/${k}/status`, "utf8"));
	const field = (s, f) => (new RegExp(`^${f}:\\s*(.*)$`, "m").exec(s) ||
	    [])[1];
	ok(kids.length >= 2 && st.every((s) => field(s, "Uid").split(/\s+/)
	    .every((u) => u !== "0") && /^0+$/.test(field(s, "CapEff")) &&
	    /^0+$/.test(field(s, "CapPrm")) && field(s, "Seccomp") === "2"),
	    `${kids.length} workers: non-root uid, no capabilities (so no `
	    + `CAP_NET_ADMIN), seccomp filter mode`,
	    st.map((s) => `${field(s, "Uid")} ${field(s, "CapEff")} `
	    + `${field(s, "Seccomp")}`).join("; "));
	const roots = kids.map((k) => readlinkSync(`/proc/${k}/root`));
	const dbdir = process.env.WARP_DB.replace(/\/[^/]*$/, "");
	ok(roots.every((x) => x === dbdir), `workers are chrooted into the `
	    + `database directory (${roots[0]})`);

	// 11. Apply requests: changes are recorded as pending.
	ok(+sql("SELECT count(*) FROM apply_status WHERE status='pending'") > 0,
	    "changes from the web are recorded as pending applies");

	// 12. Junk at every route: never a 5xx, never a dead worker.
	csrf = await pageCsrf(admin);
	bad = [];
	let sent = 0;
	for (const rt of all) {
		for (let i = 0; i < 6; i++) {
			const kind = rnd(4);
			let p;
			const q = "?" + encodeURIComponent(junk(rnd(40))) + "=" +
			    junk(rnd(40)).replace(/[#\s]/g, "");
			try {
				if (kind === 0)
					p = await admin.get(rt.path + q);
				else if (kind === 1)
					p = await admin.post(rt.path, { body: `csrf=${csrf}&`
					    + junk(rnd(300)), headers: { "content-type":
					    "application/x-www-form-urlencoded" } });
				else if (kind === 2)
					p = await admin.post(rt.path, { body: "{\"csrf\":"
					    + junk(rnd(200)), headers: { "content-type":
					    "application/json", "x-csrf-token": csrf } });
				else
					p = await admin.post(rt.path, { form: { csrf,
					    name: junk(rnd(50)), type: junk(8),
					    version: junk(5), count: junk(4),
					    pattern: junk(20), lans: junk(30),
					    expires: junk(19), a: junk(3), b: junk(3) } });
				sent++;
				if (p.status >= 500)
					bad.push(`${rt.path}: ${p.status}`);
			} catch (e) {
				bad.push(`${rt.path}: ${e.message}`);
			}
		}
	}
	ok(bad.length === 0 && JSON.stringify(workers()) ===
	    JSON.stringify(startWorkers), `${sent} junk requests over every `
	    + "route: no 5xx, and the same worker processes as at the start "
	    + "(none crashed)", bad.slice(0, 5).join("; "));

	// 13. No secret in the log.
	const log = readFileSync(process.env.WARPD_LOG, "utf8");
	const leaked = secrets.filter((s) => s && log.includes(s));
	ok(leaked.length === 0 && log.length > 0, `no password, session `
	    + `token, API token or private key in the warpd log `
	    + `(${secrets.length} secrets checked, ${log.split("\n").length} lines)`);
}

main().then(() => process.exit(failed() ? 1 : 0), (e) => {
	console.log(`not ok - http tests crashed: ${e.stack}`);
	process.exit(1);
});
