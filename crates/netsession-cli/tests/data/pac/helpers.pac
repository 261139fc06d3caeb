function b(x) { return x ? "1" : "0"; }
function FindProxyForURL(url, host) {
  var ip = /^[0-9.]+$/.test(host);
  var bits = b(isPlainHostName(host)) + b(dnsDomainIs(host, ".example.com")) +
    b(dnsDomainIs(host, "example.com")) +
    b(localHostOrDomainIs(host, "www.example.com")) + b(shExpMatch(url, "*/p?q*")) +
    b(shExpMatch(host, "*.ex?mple.*")) + b(shExpMatch(url, "http://*")) +
    b(shExpMatch(host, "[ab]*")) + b(shExpMatch(host, "*.*.*")) +
    (ip ? b(isInNet(host, "10.0.0.0", "255.0.0.0")) + b(isInNet(host, "192.168.1.0", "255.255.255.0")) : "xx") +
    dnsDomainLevels(host);
  var h = host.replace(/[^a-z0-9]/g, "-");
  return "PROXY b" + bits + "-l" + url.length + "-" + h.substring(0, 20) + ":80; DIRECT";
}
