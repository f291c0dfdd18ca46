#!/usr/bin/env python3
"""The browser's side of the deploy suite: HTTPS through nginx, verified
against the appliance's certificate, with cookies and CSRF tokens as the
pages hand them out.

    client.py URL CAFILE signin PASSWORD NEWPASSWORD
        sign in with the one-time password, prove a new one is forced,
        set it, prove the dashboard opens
    client.py URL CAFILE create NEWPASSWORD OUTCONF
        sign in, create a Secure Internet network and an endpoint through
        the JSON API, wait until both are applied, write the endpoint's
        exported config to OUTCONF
    client.py URL CAFILE login PASSWORD
        sign in as admin, straight to the dashboard
    client.py URL CAFILE spoof NAME COUNT
        COUNT failed sign-ins for NAME, each with another spoofed
        X-Real-IP / X-Forwarded-For, then one more; prints the statuses

Prints "ok - ..." / "not ok - ..." lines; exits 1 on a failure.
"""
import http.client
import json
import re
import ssl
import sys
import time
import urllib.parse

failed = False


def ok(cond, what):
    global failed
    print(("ok - " if cond else "not ok - ") + what, flush=True)
    if not cond:
        failed = True
    return cond


class Browser:
    def __init__(self, url, cafile):
        self.url, self.cafile = url, cafile
        u = urllib.parse.urlsplit(url)
        self.host = u.hostname
        self.port = u.port or 443
        self.ctx = ssl.create_default_context(cafile=cafile)
        self.cookies = {}

    def req(self, method, path, body=None, headers=None, form=None,
            js=None):
        h = {"Host": self.host}
        if headers:
            h.update(headers)
        if form is not None:
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        if js is not None:
            body = json.dumps(js)
            h["Content-Type"] = "application/json"
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv
                                    for kv in self.cookies.items())
        c = http.client.HTTPSConnection(self.host, self.port,
                                        context=self.ctx, timeout=60)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read().decode("utf-8", "replace")
        for k, v in r.getheaders():
            if k.lower() != "set-cookie":
                continue
            name, _, rest = v.partition("=")
            val = rest.split(";", 1)[0]
            if val == "" or "max-age=0" in v.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = val
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


def csrf_of(html):
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    return m.group(1) if m else None


def login(b, user, pw, headers=None):
    st, _, html = b.req("GET", "/login", headers=headers)
    return b.req("POST", "/login", headers=headers,
                 form={"csrf": csrf_of(html) or "", "username": user,
                       "password": pw})


def signin(b, pw, newpw):
    st, h, _ = login(b, "admin", pw, {"X-Real-IP": "10.66.0.1"})
    ok(st in (302, 303) and h.get("location") == "/account/password",
       "the printed one-time password signs in through nginx (%d -> %s)"
       % (st, h.get("location")))
    st, h, _ = b.req("GET", "/")
    ok(st in (302, 303) and h.get("location") == "/account/password",
       "a new password is forced: the dashboard redirects to "
       "/account/password (%d)" % st)
    st, h, _ = b.req("GET", "/api/v1/status")
    ok(st == 403, "the API refuses the session until the password is "
       "changed (%d)" % st)
    st, _, html = b.req("GET", "/account/password")
    st, h, _ = b.req("POST", "/account/password",
                     form={"csrf": csrf_of(html) or "", "current": pw,
                           "password": newpw, "password2": newpw})
    ok(st in (302, 303), "the new password is accepted (%d -> %s)"
       % (st, h.get("location")))
    st, _, html = b.req("GET", "/")
    ok(st == 200 and "Dashboard" in html, "the dashboard opens with the "
       "new password (%d)" % st)
    st, _, _ = login(Browser(b.url, b.cafile), "admin", pw)
    ok(st == 401, "the one-time password no longer signs in (%d)" % st)


def create(b, pw, out):
    st, h, _ = login(b, "admin", pw)
    if not ok(st in (302, 303), "sign in with the new password (%d)" % st):
        return
    st, _, html = b.req("GET", "/")
    tok = csrf_of(html)
    hdr = {"X-CSRF-Token": tok or ""}
    st, _, body = b.req("POST", "/api/v1/networks", headers=hdr,
                        js={"name": "office", "type": "secure-internet",
                            "expected_users": 6})
    ok(st == 201, "POST /api/v1/networks creates a Secure Internet "
       "network (%d %s)" % (st, body.strip()[:200]))
    net = json.loads(body).get("id") if st == 201 else None
    st, _, body = b.req("POST", "/api/v1/networks/%s/endpoints" % net,
                        headers=hdr, js={"name": "laptop",
                                         "kind": "mobile"})
    ok(st == 201, "POST /api/v1/networks/N/endpoints adds an endpoint "
       "(%d %s)" % (st, body.strip()[:200]))
    ep = json.loads(body).get("id") if st == 201 else None
    st, _, body = b.req("POST", "/api/v1/apply", headers=hdr, js={})
    ok(st == 202, "POST /api/v1/apply asks the privileged side (%d)" % st)
    state = None
    for _ in range(60):
        st, _, body = b.req("GET", "/api/v1/networks/%s" % net)
        if st == 200:
            state = json.loads(body).get("apply_status")
            if state in ("applied", "failed"):
                break
        time.sleep(1)
    ok(state == "applied", "the network is applied in the kernel (%s: %s)"
       % (state, body.strip()[:300]))
    st, _, conf = b.req("GET", "/api/v1/endpoints/%s/config" % ep)
    ok(st == 200 and "[Interface]" in conf and "Endpoint" in conf,
       "GET /api/v1/endpoints/N/config exports the client config (%d)"
       % st)
    with open(out, "w") as f:
        f.write(conf)


def spoof(b, name, count):
    codes = []
    for i in range(count + 1):
        fake = "10.77.%d.%d" % (i, i + 1)
        st, _, _ = login(b, name, "wrong-%d" % i,
                         {"X-Real-IP": fake,
                          "X-Forwarded-For": fake,
                          "Forwarded": "for=%s" % fake})
        codes.append(st)
    print("statuses: %s" % " ".join(map(str, codes)))
    ok(codes[:count] == [401] * count and codes[count] == 429,
       "%d failed sign-ins, each with another spoofed X-Real-IP, then "
       "429: the throttle counts them as one address (%s)"
       % (count, " ".join(map(str, codes))))


def main():
    url, cafile, cmd = sys.argv[1], sys.argv[2], sys.argv[3]
    b = Browser(url, cafile)
    if cmd == "signin":
        signin(b, sys.argv[4], sys.argv[5])
    elif cmd == "create":
        create(b, sys.argv[4], sys.argv[5])
    elif cmd == "login":
        st, h, _ = login(b, "admin", sys.argv[4])
        ok(st in (302, 303) and h.get("location") == "/",
           "admin signs in with the password set earlier (%d -> %s)"
           % (st, h.get("location")))
    elif cmd == "spoof":
        spoof(b, sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit("unknown command " + cmd)
    sys.exit(1 if failed else 0)


main()
