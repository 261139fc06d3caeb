function FindProxyForURL(url, host) {
  var t = {
    "r1": "PROXY a:80; DIRECT",
    "r2": "proxy a:80",
    "r3": "PROXY   a:80 ;; SOCKS b;SOCKS5 c:1081; HTTPS d:443",
    "r4": "bogus a:1; PROXY b:2",
    "r5": "",
    "r6": "PROXY [::1]:3128; PROXY 10.1:80",
    "r7": "PROXY a:99999; PROXY b:0; DIRECT",
    "r8": "SOCKS4 s:1080; QUIC q:443",
    "r9": "PROXY a:80 b:81; DIRECT",
    "ra": "PROXY xn--bcher-kva.ch; PROXY BÜCHER.ch:80",
    "rb": "DIRECT; DIRECT; PROXY a",
    "rc": "PROXY a:80, PROXY b:80",
    "rd": "PROXY ;DIRECT",
    "re": "SOCKS5 a:1080\tDIRECT",
    "rf": "PROXY a.b.c.:80"
  };
  var w = weekdayRange("MON", "SUN") ? "w" : "n";
  if (host == "rt") return "PROXY t" + w + (timeRange(0, 23) ? "1" : "0") + (dateRange(1, 31) ? "1" : "0") + (weekdayRange("SAT") ? "s" : "x") + ":80";
  if (host == "rx") throw "boom";
  if (host == "rn") return 42;
  return t[host];
}
