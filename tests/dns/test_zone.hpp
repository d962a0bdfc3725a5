// The zone the dns tests resolve, as dnsmasq options. Names under .test
// only; unknown .test names are NXDOMAIN. Addresses are loopback or
// private on purpose (nothing here is ever connected to), except
// mx.pub.test, a global address that routing must accept.
#pragma once

#include <string>
#include <vector>

namespace herald::test {

inline std::string long_txt() {
    std::string s;
    for (int i = 0; i < 20; ++i)
        s += (i ? "," : "") + std::string(200, static_cast<char>('a' + i));
    return s;
}

inline std::vector<std::string> test_zone() {
    return {
        // MX ordering: given out of order on purpose
        "--mx-host=ex.test,mx2.ex.test,20",
        "--mx-host=ex.test,mx1.ex.test,10",
        "--mx-host=ex.test,mx3.ex.test,30",
        "--host-record=mx1.ex.test,127.0.0.1",
        "--host-record=mx2.ex.test,127.0.0.2,::1",
        "--host-record=mx3.ex.test,127.0.0.3",
        // no MX: the domain's own addresses (implicit MX)
        "--host-record=nomx.test,127.0.0.5,::1",
        // RFC 7505 null MX: preference 0, target the root
        "--dns-rr=nullmx.test,15,000000",
        // a name with only TXT: NODATA for everything else
        "--txt-record=onlytxt.test,hello",
        // TXT: one record of two character-strings, one of one
        "--txt-record=txt.test,v=spf1 ,include:_spf.ex.test -all",
        "--txt-record=txt.test,second",
        // 4,000 octets: truncated over UDP, fetched over TCP
        "--txt-record=long.test," + long_txt(),
        // loop guards
        "--mx-host=loop.test,mx.loop.test,10",
        "--host-record=mx.loop.test,127.0.0.1",
        "--mx-host=priv.test,mx.priv.test,10",
        "--host-record=mx.priv.test,10.1.2.3,fd00::25",
        "--mx-host=mixed.test,mx.priv.test,5",
        "--mx-host=mixed.test,mx.pub.test,10",
        "--host-record=mx.pub.test,93.184.216.34",
        // equal preferences
        "--mx-host=eq.test,a.eq.test,10",
        "--mx-host=eq.test,b.eq.test,10",
        "--mx-host=eq.test,c.eq.test,20",
        "--host-record=a.eq.test,127.0.1.1",
        "--host-record=b.eq.test,127.0.1.2",
        "--host-record=c.eq.test,127.0.1.3",
        // MX hosts that do not resolve
        "--mx-host=dangling.test,gone.dangling.test,10",
        "--mx-host=dangling.test,mx1.ex.test,20",
        "--mx-host=allgone.test,gone.allgone.test,10",
        // the same host twice, in other case; and a shared address
        "--mx-host=dup.test,mx1.ex.test,10",
        "--mx-host=dup.test,MX1.EX.TEST,20",
        "--mx-host=dup.test,alias.dup.test,30",
        "--host-record=alias.dup.test,127.0.0.1",
        // any name below many.test, for the concurrency test
        "--address=/many.test/127.0.0.9",
    };
}

}  // namespace herald::test
