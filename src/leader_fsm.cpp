#include "mesoshttp/detail/leader_fsm.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <cmath>

#include "mesoshttp/error.hpp"

namespace mesoshttp::detail {

namespace {

void set_why(std::string* why, std::string text) {
  if (why) *why = std::move(text);
}

// The URL as it may appear in a message: any user:password replaced.
std::string redacted(std::string_view url) {
  std::string text(url);
  const auto start = text.find("://");
  const auto from = start == std::string::npos ? 0 : start + 3;
  const auto at = text.find('@', from);
  if (at != std::string::npos && at < text.find('/', from)) text.replace(from, at - from, "***");
  return text;
}

std::string default_port(std::string_view scheme) { return scheme == "https" ? "443" : "5050"; }

// Fills `out` from an absolute http(s) URL view.
// `path_less_target`: the request path when `u` has none (a configured
// master, or a Location of only "//host:port").
std::error_code from_url(const boost::urls::url_view& u, master_endpoint& out, bool keep_path,
                         std::string_view path_less_target, std::string* why) {
  const std::string scheme(u.scheme());
  if (scheme != "http" && scheme != "https") {
    set_why(why, "unsupported scheme '" + scheme + "' (expected http or https)");
    return error::invalid_master_url;
  }
  if (!u.has_authority() || u.host().empty()) {
    set_why(why, "no host in '" + std::string(u.buffer()) + "'");
    return error::invalid_master_url;
  }
  if (u.has_userinfo()) {
    // Credentials belong in the configuration's credentials, never in a URL
    // that ends up in logs.
    set_why(why, "credentials in the master URL are not supported");
    return error::invalid_master_url;
  }
  if (u.host_type() != boost::urls::host_type::ipv6 && u.host_type() != boost::urls::host_type::ipv4) {
    // A name, after percent-decoding: it goes into the Host header and the
    // next request's URL, so "%0a" or a space would be header injection.
    const auto host = u.host_address();
    const bool name = std::all_of(host.begin(), host.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
             c == '_';
    });
    if (!name) {
      set_why(why, "invalid host name in '" + std::string(u.buffer()) + "'");
      return error::invalid_master_url;
    }
  }
  if (u.has_port()) {
    const std::string port(u.port());
    const bool digits = !port.empty() && port.size() <= 5 &&
                        std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoul(port) == 0 || std::stoul(port) > 65535) {
      set_why(why, "invalid port '" + port + "'");
      return error::invalid_master_url;
    }
  }
  out.scheme = scheme;
  // host() keeps IPv6 brackets off; encoded_host_address() is the bare address.
  out.host = std::string(u.host_address());
  out.port = u.has_port() ? std::string(u.port()) : default_port(scheme);
  if (keep_path && !u.encoded_path().empty()) {
    out.target = std::string(u.encoded_path());
    if (u.has_query()) out.target += "?" + std::string(u.encoded_query());
  } else {
    out.target = std::string(path_less_target);
  }
  return {};
}

}  // namespace

std::string master_endpoint::authority() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + port;
}

std::string master_endpoint::url() const { return scheme + "://" + authority() + target; }

std::error_code parse_master_url(std::string_view text, master_endpoint& out, std::string* why) {
  std::string spelled(text);
  if (spelled.rfind("zk://", 0) == 0) {
    set_why(why, "zk:// master URLs need ZooKeeper support, which this build does not have");
    return error::invalid_master_url;
  }
  if (spelled.find("://") == std::string::npos) spelled = "http://" + spelled;
  auto parsed = boost::urls::parse_uri(spelled);
  if (!parsed) {
    set_why(why, "'" + redacted(text) + "' is not a URL: " + parsed.error().message());
    return error::invalid_master_url;
  }
  const auto ec = from_url(*parsed, out, false, scheduler_target, why);
  if (ec && why) *why = "'" + redacted(text) + "': " + *why;
  return ec;
}

leader_fsm::leader_fsm(std::vector<master_endpoint> masters, unsigned max_redirects)
    : masters_(std::move(masters)), max_redirects_(max_redirects) {
  if (!masters_.empty()) current_ = masters_.front();
  chain_.push_back(current_);
}

std::error_code leader_fsm::on_redirect(std::string_view location, std::string* why) {
  if (location.empty()) {
    set_why(why, current_.url() + " answered 307 without a Location");
    return error::bad_redirect;
  }
  auto ref = boost::urls::parse_uri_reference(location);
  if (!ref) {
    set_why(why, current_.url() + " redirected to an unparseable Location '" + std::string(location) + "'");
    return error::bad_redirect;
  }
  // "//host:port/path" (what Mesos sends) takes the scheme of the request.
  boost::urls::url resolved;
  boost::system::result<void> rv;
  try {
    boost::urls::url base("http://placeholder");
    base.set_scheme(current_.scheme);
    base.set_encoded_authority(current_.authority());
    base.set_encoded_path(current_.target);
    rv = boost::urls::resolve(base, *ref, resolved);
  } catch (const std::exception& e) {
    // Endpoints are validated, so this is a bug; still, never a crash on a
    // master's answer.
    set_why(why,
            current_.url() + " redirected to '" + std::string(location) + "', which cannot be resolved: " + e.what());
    return error::bad_redirect;
  }
  master_endpoint next;
  std::string reason;
  // A Location without a path names the same API on another master.
  if (rv.has_error() || from_url(resolved, next, true, current_.target, &reason)) {
    set_why(why, current_.url() + " redirected to an unusable Location '" + std::string(location) + "'" +
                     (reason.empty() ? "" : ": " + reason));
    return error::bad_redirect;
  }
  if (current_.tls() && !next.tls()) {
    set_why(why, current_.url() + " redirected to plain-text " + next.url() + "; refused");
    return error::insecure_redirect;
  }
  if (hops() + 1 > max_redirects_) {
    set_why(why, "more than " + std::to_string(max_redirects_) + " redirects, last to " + next.url());
    return error::too_many_redirects;
  }
  for (const auto& seen : chain_) {
    if (seen.same_master(next)) {
      set_why(why,
              current_.url() + " redirected back to " + next.url() + ", already visited (stale leader information?)");
      return error::redirect_loop;
    }
  }
  chain_.push_back(next);
  current_ = std::move(next);
  return {};
}

bool leader_fsm::on_failure() {
  ++failures_in_round_;
  if (!masters_.empty()) {
    // Move past the configured master this attempt started from. When it was
    // a redirect target that failed (a dead leader the others still point
    // to), that means asking the next configured master, not the same one.
    const master_endpoint& origin = chain_.front();
    const auto it =
        std::find_if(masters_.begin(), masters_.end(), [&](const master_endpoint& m) { return m.same_master(origin); });
    if (it != masters_.end()) next_index_ = static_cast<std::size_t>(it - masters_.begin()) + 1;
    next_index_ %= masters_.size();
    current_ = masters_[next_index_];
  }
  chain_.assign(1, current_);
  const bool round_over = failures_in_round_ >= std::max<std::size_t>(1, masters_.size());
  if (round_over) failures_in_round_ = 0;
  return round_over;
}

void leader_fsm::on_subscribed() {
  failures_in_round_ = 0;
  chain_.assign(1, current_);
}

}  // namespace mesoshttp::detail
