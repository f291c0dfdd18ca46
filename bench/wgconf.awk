# bench/wgconf.awk: `wg show all dump` -> one `wg setconf` file per
# device, d/wg.DEVICE (what `wg showconf DEVICE` prints, from one process
# for all devices instead of one per device).
function out(dev) { return d "/wg." dev }
NF == 5 {	# device: name private public port fwmark
	f = out($1)
	print "[Interface]\nPrivateKey = " $2 "\nListenPort = " $4 > f
	if ($5 != "off") print "FwMark = " $5 > f
	next
}
NF == 9 {	# peer: device public psk endpoint allowed handshake rx tx keepalive
	f = out($1)
	print "\n[Peer]\nPublicKey = " $2 > f
	if ($3 != "(none)") print "PresharedKey = " $3 > f
	if ($4 != "(none)") print "Endpoint = " $4 > f
	if ($5 != "(none)") print "AllowedIPs = " $5 > f
	if ($9 != "off") print "PersistentKeepalive = " $9 > f
}
