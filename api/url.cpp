// Boost.URL 1.81 has no Debian library package: its sources compile here,
// once, as the library recommends for header-only use.
#include <boost/url/src.hpp>
