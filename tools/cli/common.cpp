#if defined(MESOSHTTP_HAS_ZOOKEEPER)
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "mesoshttp/zk/leader_detector.hpp"
#include "mesoshttp/zk/master_detector.hpp"
#endif
#include "common.hpp"

#include <pwd.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <iostream>
#include <sstream>

#include "mesoshttp/calls.hpp"

namespace mesoshttp::cli {

using mesos::v1::scheduler::Event;

namespace {
std::atomic<bool> quiet{false};
}  // namespace

void expect_disconnect() { quiet = true; }
bool disconnect_expected() { return quiet; }

void add_metrics_option(CLI::App& app, std::string& address) {
  app.add_option("--metrics-address", address,
                 "Serve the client's metrics in the Prometheus text format at http://HOST:PORT/metrics while "
                 "the command runs (port 0: any free port; the address is printed on stderr)");
}

bool serve_metrics(const std::string& address, scheduler_client& client, boost::asio::any_io_executor executor,
                   const std::string& subcommand, std::unique_ptr<metrics_server>& server) {
  if (address.empty()) return true;
  try {
    server = std::make_unique<metrics_server>(std::move(executor), client.metrics(), address);
  } catch (const std::exception& e) {
    complain(subcommand, "cannot serve metrics at " + address + ": " + e.what());
    return false;
  }
  const auto at = server->local_endpoint();
  const auto host = at.address().is_v6() ? "[" + at.address().to_string() + "]" : at.address().to_string();
  std::cerr << "mesoshttp " << subcommand << ": serving metrics at http://" << host << ":" << at.port() << "/metrics"
            << std::endl;
  return true;
}

void add_connection_options(CLI::App& app, connection_options& o) {
  app.add_option("--master", o.masters,
                 "Master URL, e.g. http://mesos.example.com:5050 (repeatable or comma-separated; "
                 "any master of a cluster will do, non-leaders redirect). Default: start a "
                 "simulated master in this process, running tasks as local processes")
      ->delimiter(',')
      // One value per --master, or it would swallow the arguments after it.
      ->allow_extra_args(false);
  app.add_option("--log-level", o.log_level, "Library log lines on stderr from this level on")
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}))
      ->default_val("error");
  app.add_option("--encoding", o.wire, "Wire encoding of calls and events")
      ->check(CLI::IsMember({"protobuf", "json"}))
      ->default_val("protobuf");
  app.add_flag("--json", o.json, "Same as --encoding json");
  app.add_option("--give-up-after", o.give_up_after,
                 "Seconds without a subscription before giving up (long enough to ride out a leader "
                 "change: a ZooKeeper session expiry and the new leader's recovery); 0 = never")
      ->check(CLI::Range(0.0, 31'536'000.0))  // a year; more overflows the conversion
      ->default_val(30);
  app.add_option("--max-reconnects", o.reconnects,
                 "Also give up after this many failed attempts to (re)subscribe; 0 = no limit (attempts "
                 "at a leader that ZooKeeper or a redirect names but that cannot be reached do not count)")
      ->default_val(0);
  app.add_option("--user", o.user, "User the framework runs tasks as (default: you)");
  app.add_option("--framework-name", o.framework_name, "Framework name shown by the master");
  add_security_options(app, o);
}

void add_security_options(CLI::App& app, connection_options& o) {
  app.add_option("--ca-file", o.ca_file, "PEM bundle of CAs trusted for https:// masters (default: the system's store)")
      ->check(CLI::ExistingFile)
      ->group("TLS");
  app.add_option("--ca-dir", o.ca_dir, "Directory of hashed CA certificates trusted for https:// masters")
      ->check(CLI::ExistingDirectory)
      ->group("TLS");
  app.add_option("--cert", o.client_certificate, "Client certificate (PEM) for masters that require one; needs --key")
      ->check(CLI::ExistingFile)
      ->group("TLS");
  app.add_option("--key", o.client_key, "Private key (PEM) of --cert")->check(CLI::ExistingFile)->group("TLS");
  app.add_option("--tls-server-name", o.tls_server_name,
                 "Name to expect in the master's certificate (and send as SNI) when the URL's host differs")
      ->group("TLS");
  app.add_flag("--insecure", o.insecure, "Do not verify the master's certificate (throwaway test masters only)")
      ->group("TLS");

  app.add_option("--principal", o.principal,
                 "Authenticate with HTTP Basic as this principal (also the framework's principal); "
                 "the secret comes from --secret-file or $MESOSHTTP_SECRET")
      ->group("Authentication");
  app.add_option("--secret-file", o.secret_file,
                 "File holding the secret of --principal (one trailing newline is ignored)")
      ->check(CLI::ExistingFile)
      ->group("Authentication");
  app.add_option("--token-file", o.token_file,
                 "File holding a bearer token, sent as 'Authorization: Bearer <token>'; read again "
                 "after a 401, so a rotated token is picked up")
      ->check(CLI::ExistingFile)
      ->group("Authentication");
}

namespace {

// The first line of a secret file: what `echo secret > file` wrote.
std::optional<std::string> read_secret(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

// Applies the TLS and authentication options; false (and a message) when
// they do not fit together.
bool apply_security_options(const connection_options& o, client_config& cfg, const std::string& subcommand) {
  if (o.client_certificate.empty() != o.client_key.empty()) {
    complain(subcommand, "--cert and --key go together");
    return false;
  }
  cfg.tls.ca_file = o.ca_file;
  cfg.tls.ca_dir = o.ca_dir;
  cfg.tls.client_certificate_file = o.client_certificate;
  cfg.tls.client_private_key_file = o.client_key;
  cfg.tls.server_name = o.tls_server_name;
  cfg.tls.verify_peer = !o.insecure;

  if (!o.principal.empty() && !o.token_file.empty()) {
    complain(subcommand, "--principal and --token-file are two ways to authenticate: give one");
    return false;
  }
  if (!o.secret_file.empty() && o.principal.empty()) {
    complain(subcommand, "--secret-file needs --principal");
    return false;
  }
  if (!o.principal.empty()) {
    std::optional<std::string> secret;
    if (!o.secret_file.empty()) {
      secret = read_secret(o.secret_file);
      if (!secret) {
        complain(subcommand, "--secret-file " + o.secret_file + ": cannot be read");
        return false;
      }
    } else if (const char* env = std::getenv("MESOSHTTP_SECRET")) {
      secret = env;
    } else {
      complain(subcommand, "--principal needs a secret: --secret-file FILE or $MESOSHTTP_SECRET");
      return false;
    }
    cfg.credentials = credentials{o.principal, std::move(*secret)};
  }
  if (!o.token_file.empty()) {
    const std::string path = o.token_file;
    if (!read_secret(path)) {
      complain(subcommand, "--token-file " + path + ": cannot be read");
      return false;
    }
    cfg.authorization = [path](bool) -> std::optional<std::string> {
      auto token = read_secret(path);
      if (!token || token->empty()) return std::nullopt;  // the master's 401 will say so
      return "Bearer " + *token;
    };
  }
  return true;
}

}  // namespace

std::string to_json_line(const google::protobuf::Message& message) {
  std::string line;
  if (encode_coercing_utf8(message, encoding::json, line)) return "{}";
  return line;
}

std::string current_user() {
  if (const char* u = std::getenv("USER"); u && *u) return u;
  if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_name) return pw->pw_name;
  return "root";
}

void complain(const std::string& subcommand, const std::string& text) {
  std::cerr << "mesoshttp " << subcommand << ": " << text << std::endl;
}

std::optional<client_config> make_client_config(const connection_options& o, std::vector<std::string> masters,
                                                const std::string& subcommand) {
  client_config cfg;
  for (const auto& m : masters) {
    // The client would report this too, but only after starting; saying it
    // here names the option the user got wrong.
    if (m.rfind("zk://", 0) == 0) {
#if !defined(MESOSHTTP_HAS_ZOOKEEPER)
      complain(subcommand, "--master zk://...: this build has no ZooKeeper support (libzookeeper-mt-dev)");
      return std::nullopt;
#endif
      continue;
    }
    if (m.rfind("http://", 0) != 0 && m.rfind("https://", 0) != 0) {
      complain(subcommand, "--master " + m + ": expected a URL starting with http://, https:// or zk://");
      return std::nullopt;
    }
  }
  cfg.masters = std::move(masters);
  if (!apply_security_options(o, cfg, subcommand)) return std::nullopt;
  cfg.wire_encoding = (o.json || o.wire == "json") ? encoding::json : encoding::protobuf;
  cfg.framework.set_user(o.user.empty() ? current_user() : o.user);
  cfg.framework.set_name(o.framework_name.empty() ? "mesoshttp " + subcommand : o.framework_name);
  // Without a bound the client retries forever, which for a command typed by
  // hand looks like a hang when the URL is wrong. The bound is a time, not a
  // count: a leader change through ZooKeeper names the dead leader until its
  // session expires (about 10 s), and a count used up against its refusing
  // port would close the client before the new leader is elected.
  cfg.reconnect.max_attempts = o.reconnects;
  cfg.reconnect.give_up_after = std::chrono::milliseconds(static_cast<std::int64_t>(o.give_up_after * 1000.0));
  cfg.reconnect.initial_wait = std::chrono::milliseconds(200);
  cfg.reconnect.max_wait = std::chrono::milliseconds(2000);
  cfg.connect_timeout = std::chrono::milliseconds(3000);
  if (o.log_level == "debug")
    cfg.min_log_level = log_level::debug;
  else if (o.log_level == "info")
    cfg.min_log_level = log_level::info;
  else if (o.log_level == "error")
    cfg.min_log_level = log_level::error;
  else
    cfg.min_log_level = log_level::warning;
  cfg.logger = [](log_level level, std::string_view text) {
    if (quiet && level < log_level::error) return;
    std::cerr << "mesoshttp [" << to_string(level) << "] " << text << std::endl;
  };
#if defined(MESOSHTTP_HAS_ZOOKEEPER)
  std::error_code ec;
  std::string why;
  mesoshttp::zk::use_zookeeper(cfg, ec, &why);
  if (ec) {
    complain(subcommand, "--master: " + why);
    return std::nullopt;
  }
#endif
  return cfg;
}

namespace {

#if defined(MESOSHTTP_HAS_ZOOKEEPER)
// How long a one-shot operator command waits for ZooKeeper to name a leader:
// longer than a ZooKeeper session takes to expire (a dead leader's node goes
// then), shorter than a hang.
constexpr std::chrono::seconds zk_leader_wait{15};

// The leading master ZooKeeper names at `url` now; nullopt and a message when
// it names none within zk_leader_wait or the URL is unusable.
std::optional<std::string> leader_from_zookeeper(const std::string& url, const std::string& subcommand) {
  boost::asio::io_context io;
  std::optional<std::string> leader;
  std::string problem = "ZooKeeper named no leading master within " + std::to_string(zk_leader_wait.count()) + " s";
  zk::detector_config config;
  config.url = url;
  auto detector =
      zk::leader_detector::create(io.get_executor(), std::move(config),
                                  [&](std::error_code ec, std::optional<std::string> found, const std::string& reason) {
                                    if (ec) {
                                      problem = reason;
                                      io.stop();
                                    } else if (found) {
                                      leader = std::move(found);
                                      io.stop();
                                    } else {
                                      problem = "ZooKeeper names no leading master: " + reason;
                                    }
                                  });
  // The detector reports from ZooKeeper's thread through `io`: keep it
  // running until then.
  auto work = boost::asio::make_work_guard(io);
  detector->start();
  io.run_for(zk_leader_wait);
  detector->stop();
  if (!leader) complain(subcommand, "--master zk://...: " + problem);
  return leader;
}
#endif

}  // namespace

std::optional<operator_api::operator_config> make_operator_config(const connection_options& o,
                                                                  std::vector<std::string> endpoints,
                                                                  const std::string& subcommand, bool keep_zk) {
  for (auto& m : endpoints) {
    if (m.rfind("zk://", 0) == 0) {
#if defined(MESOSHTTP_HAS_ZOOKEEPER)
      if (endpoints.size() > 1) {
        complain(subcommand, "--master zk://... must be the only --master (a cluster has one ZooKeeper group)");
        return std::nullopt;
      }
      if (keep_zk) break;
      auto leader = leader_from_zookeeper(m, subcommand);
      if (!leader) return std::nullopt;
      m = *leader;
      break;
#else
      complain(subcommand, "--master zk://...: this build has no ZooKeeper support (libzookeeper-mt-dev)");
      return std::nullopt;
#endif
    }
    if (m.rfind("http://", 0) != 0 && m.rfind("https://", 0) != 0) {
      complain(subcommand, "--master " + m + ": expected a URL starting with http://, https:// or zk://");
      return std::nullopt;
    }
  }
  client_config security;
  if (!apply_security_options(o, security, subcommand)) return std::nullopt;
  operator_api::operator_config cfg;
  cfg.endpoints = std::move(endpoints);
  cfg.tls = security.tls;
  cfg.basic_credentials = security.credentials;
  cfg.authorization = security.authorization;
  cfg.connect_timeout = std::chrono::milliseconds(3000);
  cfg.user_agent = "mesoshttp-cli";
  cfg.log = [](log_level level, std::string_view text) {
    if (level < log_level::warning) return;
    std::cerr << "mesoshttp [" << to_string(level) << "] " << text << std::endl;
  };
  return cfg;
}

std::unique_ptr<sim::cluster> start_embedded_sim(const std::string& subcommand) {
  sim::cluster_config cfg;
  cfg.tasks = sim::task_mode::local_process;
  cfg.sandbox_root = std::filesystem::temp_directory_path() / ("mesoshttp-sandboxes-" + std::to_string(::getuid()));
  // A one-shot command should not wait a second for its first offer.
  cfg.offer_interval = std::chrono::milliseconds(200);
  auto sim = std::make_unique<sim::cluster>(cfg);
  try {
    sim->start();
  } catch (const std::exception& e) {
    complain(subcommand, std::string("cannot start the embedded simulated master: ") + e.what());
    return nullptr;
  }
  return sim;
}

std::string describe_resources(const mesos::v1::Offer& offer) {
  std::ostringstream out;
  out << "cpus " << calls::scalar_total(offer, "cpus") << ", mem " << calls::scalar_total(offer, "mem") << " MB, disk "
      << calls::scalar_total(offer, "disk") << " MB";
  return out.str();
}

std::string describe(const mesos::v1::Offer& offer) {
  return offer.id().value() + " on " + offer.hostname() + " (" + describe_resources(offer) + ")";
}

std::string describe(const Event& e) {
  std::ostringstream out;
  out << Event::Type_Name(e.type());
  switch (e.type()) {
    case Event::SUBSCRIBED:
      out << " framework " << e.subscribed().framework_id().value() << ", heartbeat every "
          << e.subscribed().heartbeat_interval_seconds() << " s";
      if (e.subscribed().has_master_info())
        out << ", master " << e.subscribed().master_info().hostname() << ":" << e.subscribed().master_info().port()
            << " version " << e.subscribed().master_info().version();
      break;
    case Event::OFFERS:
      out << " " << e.offers().offers_size() << " offer(s)";
      for (const auto& o : e.offers().offers()) out << "; " << describe(o);
      break;
    case Event::RESCIND: out << " offer " << e.rescind().offer_id().value(); break;
    case Event::UPDATE: {
      const auto& s = e.update().status();
      out << " task " << s.task_id().value() << " " << mesos::v1::TaskState_Name(s.state());
      if (s.has_reason()) out << " (" << mesos::v1::TaskStatus::Reason_Name(s.reason()) << ")";
      if (!s.message().empty()) out << ": " << s.message();
      out << (s.has_uuid() ? "" : " [no uuid]");
      break;
    }
    case Event::UPDATE_OPERATION_STATUS: {
      const auto& s = e.update_operation_status().status();
      out << " operation " << s.operation_id().value() << " " << mesos::v1::OperationState_Name(s.state());
      if (!s.message().empty()) out << ": " << s.message();
      break;
    }
    case Event::MESSAGE:
      out << " from executor " << e.message().executor_id().value() << " on agent " << e.message().agent_id().value()
          << ", " << e.message().data().size() << " bytes";
      break;
    case Event::FAILURE:
      if (e.failure().has_executor_id()) out << " executor " << e.failure().executor_id().value();
      if (e.failure().has_agent_id()) out << " agent " << e.failure().agent_id().value();
      if (e.failure().has_status()) out << " status " << e.failure().status();
      break;
    case Event::ERROR: out << " " << e.error().message(); break;
    case Event::INVERSE_OFFERS: out << " " << e.inverse_offers().inverse_offers_size() << " inverse offer(s)"; break;
    case Event::RESCIND_INVERSE_OFFER: out << " " << e.rescind_inverse_offer().inverse_offer_id().value(); break;
    default: break;
  }
  return out.str();
}

namespace {

// The client's message and the error's own text, the latter only when the
// message does not already say it ("broken event stream from ...: RecordIO:
// invalid character in record length" needs no second copy in parentheses).
std::string reason_text(const client_event& item) {
  const std::string code = item.error.message();
  if (item.message.empty()) return code;
  if (item.message.find(code) != std::string::npos) return item.message;
  return item.message + " (" + code + ")";
}

}  // namespace

std::string describe(const client_event& item) {
  switch (item.type) {
    case client_event::kind::connecting: return "connecting to " + item.master;
    case client_event::kind::subscribed: return "subscribed to " + item.master + " as framework " + item.framework_id;
    case client_event::kind::disconnected: return "disconnected: " + reason_text(item) + "; reconnecting";
    case client_event::kind::closed:
      if (!item.error) return "closed";
      return "closed: " + reason_text(item);
    case client_event::kind::event: return {};
  }
  return {};
}

}  // namespace mesoshttp::cli
