# bench/floor.awk: `ip -d -o link show` lines of the appliance's links ->
# the `ip -batch` lines that make them again (VRF first, then WireGuard
# links; then alias, MTU, master and up).  Only the kinds Secure Internet
# networks have (vrf, wireguard); any other kind is named on stderr.
{
	name = $2; sub(/:$/, "", name); sub(/@.*/, "", name)
	kind = ""; master = ""; mtu = ""; alias = ""; table = ""
	for (i = 3; i <= NF; i++) {
		if ($i == "mtu") mtu = $(i + 1)
		else if ($i == "master") master = $(i + 1)
		else if ($i == "alias") alias = $(i + 1)
		else if ($i == "vrf" && $(i + 1) == "table") {
			kind = "vrf"; table = $(i + 2)
		} else if ($i == "wireguard") kind = "wireguard"
	}
	if (kind == "") {
		print "floor.awk: link " name " of a kind not replayed" > "/dev/stderr"
		next
	}
	if (kind == "vrf")
		vrf[++nv] = "link add " name " type vrf table " table
	else
		oth[++no] = "link add " name " type " kind
	set[++ns] = "link set " name " alias " alias " mtu " mtu \
	    (master != "" ? " master " master : "") " up"
	isvrf[ns] = kind == "vrf"
}
END {
	for (i = 1; i <= nv; i++) print vrf[i]
	for (i = 1; i <= no; i++) print oth[i]
	for (i = 1; i <= ns; i++) if (isvrf[i]) print set[i]
	for (i = 1; i <= ns; i++) if (!isvrf[i]) print set[i]
}
