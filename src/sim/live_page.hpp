// The live view of the simulated cluster that a master serves at GET /: one
// self-contained HTML document (inline CSS and JS, no external assets, so it
// works with no network) that SUBSCRIBEs to the operator event stream of the
// master that served it and polls GET_FRAMEWORKS for the outstanding offers.
#pragma once

#include <string_view>

namespace mesoshttp::sim {

std::string_view live_page_html();

}  // namespace mesoshttp::sim
