// Configuration of the scheduler client: one aggregate with a default and a
// reason for every field, so `client_config cfg; cfg.masters = {...};` works.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mesoshttp/codec.hpp"
#include "mesoshttp/framework/framework_id_store.hpp"
#include "mesoshttp/master_detector.hpp"
#include "mesoshttp/recordio.hpp"
#include "mesos/v1/mesos.pb.h"

namespace mesoshttp {

class metrics_registry;

enum class log_level { debug, info, warning, error };
std::string_view to_string(log_level level) noexcept;

// Receives the library's log lines; the library has no logging dependency of
// its own. Called from the client's executor: keep it quick. Credentials are
// never part of a message.
using logger = std::function<void(log_level, std::string_view message)>;

// How the client waits between attempts to (re)subscribe. The wait before
// attempt n (from 0) is uniform in [0, min(max_wait, initial_wait * 2^n)]
// ("full jitter"), so many schedulers restarting together do not stampede a
// recovering master.
struct reconnect_config {
  // First backoff ceiling. Short: the common case is a leader change that
  // completes in well under a second.
  std::chrono::milliseconds initial_wait{100};
  // Largest backoff ceiling.
  std::chrono::milliseconds max_wait{10'000};
  // Fraction of the ceiling that is randomised: 1.0 is full jitter, 0.0 waits
  // exactly the ceiling (deterministic, for tests).
  double jitter = 1.0;
  // Failed attempts to (re)subscribe, after the first, after which the client
  // gives up with error::reconnect_attempts_exhausted; 0 means never give up.
  // A failure to reach a leader that a detector or a 307 named does not count
  // (the leader is unknown until they say more; give_up_after bounds that).
  std::size_t max_attempts = 0;
  // A subscription resets the backoff and the count of failed attempts only
  // once it has lasted this long; one broken sooner (a corrupt stream right
  // after SUBSCRIBED, a proxy that cuts streams) is a failed attempt, so a
  // master that breaks every stream cannot keep the client resubscribing
  // several times a second for ever. 0: one heartbeat interval, as announced
  // in SUBSCRIBED (15 s by default).
  std::chrono::milliseconds healthy_after{0};
  // Time without a healthy subscription after which the client gives up with
  // error::reconnect_attempts_exhausted, however the attempts failed; 0 means
  // never. The bound for a leader change: make it longer than a ZooKeeper
  // session expiry plus a new leader's recovery.
  std::chrono::milliseconds give_up_after{0};
  // If set, replaces the computed wait: called with the attempt number.
  std::function<std::chrono::milliseconds(std::size_t attempt)> custom_delay;
};

// What happens when a consumer's queue of events is full.
enum class overflow_policy {
  // The client stops reading the socket until the slow consumer catches up:
  // memory stays bounded and no event is lost (TCP flow control pushes back
  // on the master). The default.
  backpressure,
  // The slow consumer is detached with error::consumer_overflow; the others
  // go on at full speed.
  detach,
};

// TLS for https:// masters.
struct tls_config {
  // Check the master's certificate chain and that it names the host we
  // connect to. Turn off only for a throwaway test master.
  bool verify_peer = true;
  // Trusted CAs: a PEM bundle and/or a directory of hashed certificates.
  // Both empty: the system's default store.
  std::string ca_file;
  std::string ca_dir;
  // A client certificate and key (PEM), for masters that require one.
  std::string client_certificate_file;
  std::string client_private_key_file;
  // Name for SNI and the hostname check when it differs from the URL's host
  // (e.g. connecting by IP to a certificate issued for a name).
  std::string server_name;
};

// Principal and secret for HTTP Basic authentication, as Mesos's HTTP
// framework authentication (--authenticate_http_frameworks with the basic
// authenticator) expects. Never logged.
struct credentials {
  std::string principal;
  std::string secret;
};

// Supplies the whole Authorization header value ("Bearer <token>", ...).
// Called before the first request and, with refresh = true, once after a 401
// (a token may have expired); returning nullopt sends no header.
using authorization_provider = std::function<std::optional<std::string>(bool refresh)>;

struct client_config {
  // Masters to try, in order: "http://host:port" (a path is ignored; the
  // scheduler endpoint is /api/v1/scheduler). Non-leaders redirect to the
  // leader, so any one master of a cluster is enough; list several so a dead
  // one can be skipped.
  std::vector<std::string> masters{"http://127.0.0.1:5050"};

  // When set, the leader comes from this detector (e.g. ZooKeeper, see
  // mesoshttp::zk::use_zookeeper) and `masters` is not used. The client
  // follows every leader change it reports.
  std::shared_ptr<master_detector> detector;

  // Sent in SUBSCRIBE. Set `id` to fail over to an existing framework; after
  // SUBSCRIBED the client keeps the assigned id and resubscribes with it.
  // For the framework to survive a disconnection, set `failover_timeout`.
  mesos::v1::FrameworkInfo framework;
  // Where the framework id lives between runs (e.g. a
  // file_framework_id_store). When set, the client fails over with the stored
  // id at start, stores each SUBSCRIBED's id before any consumer sees it, and
  // clears it when the master removed the framework. None by default: a
  // framework without a failover_timeout has nothing to come back to.
  std::shared_ptr<mesoshttp::framework_id_store> framework_id_store;

  // Wire encoding of calls and events. Protobuf is smaller and decodes an
  // order of magnitude faster; JSON is easier to read on the wire.
  encoding wire_encoding = encoding::protobuf;

  // TCP connect, per attempt and master.
  std::chrono::milliseconds connect_timeout{5'000};
  // From sending SUBSCRIBE to its response headers and first event.
  std::chrono::milliseconds subscribe_timeout{10'000};
  // From send() to the call's answer, including time queued while the client
  // is not subscribed.
  std::chrono::milliseconds call_timeout{30'000};

  reconnect_config reconnect;

  // Missed heartbeat intervals (from SUBSCRIBED's heartbeat_interval_seconds)
  // without a single byte from the master before the connection is declared
  // dead and the client resubscribes. Mesos sends one every 15 s by default.
  unsigned heartbeat_tolerance = 5;

  // Largest single RecordIO record accepted on the event stream.
  std::size_t max_record_size = recordio::default_max_record_size;

  // Events buffered per consumer before the overflow policy applies.
  std::size_t event_queue_size = 1024;
  overflow_policy overflow = overflow_policy::backpressure;

  // Calls waiting for a subscription (or a free connection) before send()
  // fails with error::queue_full.
  std::size_t call_queue_size = 65'536;
  // Keep-alive connections used for calls, opened on demand. Mesos answers
  // calls on one connection in order, so concurrency needs connections.
  std::size_t call_connections = 4;
  // Automatic retries of an idempotent call (DECLINE, REVIVE, SUPPRESS,
  // RECONCILE, ACKNOWLEDGE, KILL, ...) whose connection broke or whose
  // subscription was lost. ACCEPT and other non-idempotent calls never retry.
  unsigned idempotent_retries = 3;

  // 307 hops followed in one attempt before error::too_many_redirects.
  unsigned max_redirects = 8;

  std::string user_agent = "mesoshttp/0.1";

  // Used for https:// masters (and redirects to them).
  tls_config tls;
  // HTTP Basic credentials sent with every request, when set. Their
  // principal becomes FrameworkInfo.principal if `framework` names none.
  std::optional<mesoshttp::credentials> credentials;
  // Takes precedence over `credentials` when set.
  authorization_provider authorization;

  // Log sink; nothing is logged when empty.
  mesoshttp::logger logger;
  // Lines below this level are not even formatted.
  log_level min_log_level = log_level::info;

  // Where the client records its metrics (see mesoshttp/metrics.hpp and
  // scheduler_client::metrics()). Null: the client makes a registry of its
  // own, so every client has metrics without any setup; set one to share it
  // with the framework's own metrics or to serve several clients' together
  // (two clients in one registry share their series: give each its own
  // unless that is what you want).
  std::shared_ptr<metrics_registry> metrics;
  // Off: nothing is recorded (the registry stays empty of the client's
  // metrics). The cost is one atomic add per event; off is for measuring it.
  bool record_metrics = true;
};

}  // namespace mesoshttp
