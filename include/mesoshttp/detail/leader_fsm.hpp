// Which master to talk to next: the configured list, 307 redirects to the
// leader, loop and hop limits. Sans-I/O so every rule is unit-tested without
// sockets; the client feeds it outcomes and connects where it says.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace mesoshttp::detail {

struct master_endpoint {
  std::string scheme;  // "http" or "https"
  std::string host;
  std::string port;    // always set (default from the scheme)
  std::string target;  // request path, e.g. "/api/v1/scheduler"

  bool tls() const noexcept { return scheme == "https"; }
  std::string authority() const;  // "host:port" (IPv6 hosts bracketed)
  std::string url() const;        // "http://host:port/target"
  bool same_master(const master_endpoint& other) const noexcept {
    return host == other.host && port == other.port && scheme == other.scheme;
  }
};

inline constexpr std::string_view scheduler_target = "/api/v1/scheduler";

// Parses a configured master ("http://host:port", "https://host", "host:port").
// The scheduler path is always scheduler_target. Fails with
// error::invalid_master_url and `why` for anything else, zk:// included:
// those are mesoshttp::zk's (a detector), never a master of the list.
std::error_code parse_master_url(std::string_view url, master_endpoint& out, std::string* why);

class leader_fsm {
 public:
  leader_fsm(std::vector<master_endpoint> masters, unsigned max_redirects);

  // Where to connect now.
  const master_endpoint& current() const noexcept { return current_; }
  const std::vector<master_endpoint>& masters() const noexcept { return masters_; }

  // current() answered 307 with this Location. On success current() is the
  // new target and the caller connects there at once (no backoff). Errors:
  // bad_redirect (no or unparseable Location), insecure_redirect (https to
  // http), too_many_redirects, redirect_loop. After an error the caller treats
  // it as a failure (on_failure) and backs off.
  std::error_code on_redirect(std::string_view location, std::string* why);

  // current() could not be subscribed to (refused, timed out, 503, 404, a
  // broken stream, a bad redirect). Moves on to the next configured master; a
  // redirect target that fails means "leader unknown", so the configured list
  // is tried again. Returns true when every configured master has failed
  // since the last success: time to back off before the next round.
  bool on_failure();

  // Subscribed at current(): the round and the hop chain start afresh, and
  // current() is kept so a reconnect tries the last leader first.
  void on_subscribed();

  unsigned hops() const noexcept { return static_cast<unsigned>(chain_.size()) - 1; }

 private:
  std::vector<master_endpoint> masters_;
  unsigned max_redirects_;
  std::size_t next_index_ = 0;  // configured master to try after a failure
  std::size_t failures_in_round_ = 0;
  master_endpoint current_;
  std::vector<master_endpoint> chain_;  // masters visited in this attempt (loop detection)
};

}  // namespace mesoshttp::detail
