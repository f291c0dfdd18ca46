// Lists at scale (issue #11, admin at scale): the network list and a
// network page show 50 rows a page with `?page=N`, the API lists give
// `?after=ID&limit=N` pages with a Link to the next one and
// X-Total-Count; a page that does not exist, or a bad parameter, is a
// clear 400; every row is on exactly one page; the dashboard's counts
// (kept by triggers) agree with the rows.
import { Client, ok, failed, login, sql, warpctl } from "./lib.mjs";

const ADMIN = "paula", ADMIN_PW = "paging-pass-12345";

function errorOf(text) {
	return (/id="error">([^<]*)</.exec(text) || [])[1] || text.slice(0, 200);
}

async function main() {
	warpctl(["user", "add", ADMIN, "--role", "admin", "--password-stdin"],
	    ADMIN_PW + "\n");
	const pool = JSON.parse(warpctl(["config", "show", "--json"])).port_pool;
	warpctl(["config", "set", "port-pool", `${pool.split("-")[0]}-52999`]);
	const have = +sql("SELECT count(*) FROM networks");
	for (let i = 0; have + i < 56; i++)
		warpctl(["create-network", `pg${i}`, "--type", "secure-internet",
		    "--expected-users", "2"]);
	warpctl(["create-network", "pgbig", "--type", "secure-internet",
	    "--expected-users", "200"]);
	warpctl(["create-endpoints", "pgbig", "p{n}", "--count", "120",
	    "--type", "mobile"]);
	const nets = +sql("SELECT count(*) FROM networks");
	const big = +sql("SELECT id FROM networks WHERE name = 'pgbig'");
	const pages = Math.ceil(nets / 50);

	const web = new Client();
	await login(web, ADMIN, ADMIN_PW);
	let r = await web.get("/networks");
	const rowsOf = (t) => (t.match(/<tr><td><a href="\/networks\/\d+">/g) || [])
	    .length;
	ok(r.status === 200 && rowsOf(r.text) === 50 &&
	    r.text.includes(`page 1 of ${pages} (${nets} networks)`),
	    `/networks shows 50 of ${nets} networks and says page 1 of ${pages}`,
	    `${r.status} rows ${rowsOf(r.text)}`);
	r = await web.get(`/networks?page=${pages}`);
	ok(r.status === 200 && rowsOf(r.text) === nets - 50 * (pages - 1) &&
	    r.text.includes(`?page=${pages - 1}">previous`),
	    `the last page shows the rest (${nets - 50 * (pages - 1)}) and links `
	    + "back", `${r.status} rows ${rowsOf(r.text)}`);
	const bad = [];
	for (const q of ["0", "-1", "abc", String(pages + 1), "1.5", ""]) {
		r = await web.get(`/networks?page=${q}`);
		if (r.status !== 400 || errorOf(r.text) !==
		    `page must be a whole number from 1 to ${pages}`)
			bad.push(`page=${q}: ${r.status} ${errorOf(r.text)}`);
	}
	r = await web.get(`/networks/${big}?page=4`);
	if (r.status !== 400 || errorOf(r.text) !==
	    "page must be a whole number from 1 to 3")
		bad.push(`network page=4: ${r.status} ${errorOf(r.text)}`);
	ok(bad.length === 0, "page=0, -1, abc, past the last, 1.5, empty (the "
	    + "network list and a network page): 400 \"page must be a whole "
	    + "number from 1 to N\"", bad.join("; "));
	r = await web.get(`/networks/${big}?page=3`);
	const eps = (r.text.match(/href="\/endpoints\/\d+"/g) || []).length;
	ok(r.status === 200 && eps === 20 && r.text.includes("page 3 of 3"),
	    "a network of 120 endpoints: page 3 of 3 lists the last 20",
	    `${r.status} ${eps}`);

	// The API: every endpoint once, by the Link to the next page.
	const tok = warpctl(["token", "create", "paging", "--user", ADMIN,
	    "--read-only"]).trim();
	const api = new Client({ authorization: `Bearer ${tok}` });
	let path = `/api/v1/networks/${big}/endpoints`, seen = [], hops = 0;
	const totals = new Set();
	while (path && hops++ < 10) {
		r = await api.get(path);
		if (r.status !== 200)
			break;
		seen = seen.concat(JSON.parse(r.text).map((e) => e.id));
		totals.add(r.headers.get("x-total-count"));
		const link = r.headers.get("link") || "";
		path = (/^<([^>]+)>; rel="next"$/.exec(link) || [])[1];
	}
	const cli = JSON.parse(warpctl(["list-endpoints", String(big), "--json"]))
	    .map((e) => e.id);
	ok(r.status === 200 && hops === 2 && seen.length === 120 &&
	    JSON.stringify(seen) === JSON.stringify(cli) &&
	    [...totals].join() === "120", "API endpoints: 100 by default, a "
	    + "Link rel=next to the other 20, X-Total-Count 120; the pages "
	    + "together are warpctl's list", `${r.status} hops ${hops} seen `
	    + `${seen.length} totals ${[...totals]}`);
	path = "/api/v1/networks?limit=7"; seen = []; hops = 0;
	while (path && hops++ < 20) {
		r = await api.get(path);
		if (r.status !== 200)
			break;
		seen = seen.concat(JSON.parse(r.text).map((n) => n.id));
		path = (/^<([^>]+)>; rel="next"$/.exec(r.headers.get("link") || "")
		    || [])[1];
	}
	const cliNets = JSON.parse(warpctl(["list-networks", "--json"]))
	    .map((n) => n.id);
	ok(seen.length === nets && JSON.stringify(seen) ===
	    JSON.stringify(cliNets) && hops === Math.ceil(nets / 7),
	    `API networks by 7: ${hops} pages, every network once, in order`,
	    `${seen.length} of ${nets}, ${hops} pages`);
	const apibad = [];
	for (const [q, re] of [["limit=0", /^limit must be a whole number from 1 to 1000$/],
	    ["limit=1001", /^limit must be/], ["after=x", /^after must be/],
	    ["after=-1", /^after must be/]]) {
		r = await api.get(`/api/v1/networks/${big}/endpoints?${q}`);
		let e = {};
		try { e = JSON.parse(r.text); } catch { /* reported */ }
		if (r.status !== 400 || !re.test(e.error || "") || e.status !== 400)
			apibad.push(`${q}: ${r.status} ${r.text}`);
	}
	ok(apibad.length === 0, "API limit=0, limit=1001, after=x, after=-1: "
	    + "400 with the reason", apibad.join("; "));

	warpctl(["disable-endpoint", "pgbig/p3"]);
	warpctl(["delete-endpoint", "pgbig/p4"]);
	const c = JSON.parse((await api.get("/api/v1/status?counts=1")).text)
	    .counts;
	ok(c.networks === nets &&
	    c.endpoints === +sql("SELECT count(*) FROM endpoints") &&
	    c.disabled === +sql("SELECT count(*) FROM endpoints WHERE enabled = 0") &&
	    c.pending === +sql("SELECT count(*) FROM apply_status WHERE status = 'pending'"),
	    "the dashboard's counts (counters kept by triggers) agree with the "
	    + "rows after a disable and a delete", JSON.stringify(c));
	const n = JSON.parse((await api.get(`/api/v1/networks/${big}`)).text);
	ok(n.endpoints === 119, "the network counts 119 endpoints", n.endpoints);

	for (let i = 0; have + i < 56; i++)
		warpctl(["delete-network", `pg${i}`]);
	warpctl(["delete-network", "pgbig"]);
	warpctl(["config", "set", "port-pool", pool]);
	process.exit(failed() ? 1 : 0);
}

main().catch((e) => { console.log(`not ok - paging tests crashed: ${e.stack}`); process.exit(1); });
