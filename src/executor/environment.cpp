#include "mesoshttp/executor/environment.hpp"

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <utility>

#include "mesoshttp/error.hpp"

namespace mesoshttp::executor {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

struct duration_unit {
  std::string_view suffix;
  std::int64_t nanoseconds;
};

// Mesos's own spellings (stout's Duration); a suffix must be one of them
// exactly ("5s", "5sec" and "5Secs" are not durations to an agent either).
constexpr duration_unit duration_units[] = {
    {"ns", 1},
    {"us", 1'000},
    {"ms", 1'000'000},
    {"secs", 1'000'000'000},
    {"mins", 60LL * 1'000'000'000},
    {"hrs", 3'600LL * 1'000'000'000},
    {"days", 86'400LL * 1'000'000'000},
    {"weeks", 604'800LL * 1'000'000'000},
};

// Quotes a value for a message: short, and visibly empty when it is.
std::string quoted(std::string_view value) {
  constexpr std::size_t shown = 80;
  std::string out = "'";
  out += value.substr(0, shown);
  if (value.size() > shown) out += "...";
  out += "'";
  return out;
}

// Reads the variables in order and keeps the first problem.
class reader {
 public:
  explicit reader(const environment_lookup& lookup) : lookup_(lookup) {}

  bool failed() const { return !message_.empty(); }

  std::optional<std::string> optional_text(std::string_view name) {
    if (failed()) return std::nullopt;
    return lookup_(name);
  }

  // A required variable that must not be empty either (an id, a path).
  std::string required_text(std::string_view name, std::string_view why_needed) {
    auto value = optional_text(name);
    if (failed()) return {};
    if (!value) {
      fail(std::string(name) + " is not set (" + std::string(why_needed) + ")");
      return {};
    }
    if (value->empty()) {
      fail(std::string(name) + " is set but empty (" + std::string(why_needed) + ")");
      return {};
    }
    return std::move(*value);
  }

  std::optional<bool> flag(std::string_view name, const std::optional<std::string>& value) {
    if (!value || failed()) return std::nullopt;
    if (*value == "0") return false;
    if (*value == "1") return true;
    fail(std::string(name) + " is " + quoted(*value) + ": expected 0 or 1");
    return std::nullopt;
  }

  std::optional<std::chrono::nanoseconds> duration(std::string_view name, const std::optional<std::string>& value) {
    if (!value || failed()) return std::nullopt;
    auto parsed = parse_mesos_duration(*value);
    if (!parsed) {
      fail(std::string(name) + " is " + quoted(*value) +
           ": expected a Mesos duration such as 5secs, 15mins, 100ms or 1.5hrs");
    }
    return parsed;
  }

  void fail(std::string message) {
    if (!failed()) message_ = std::move(message);
  }

  environment_result result(executor_config config) {
    environment_result out;
    if (failed()) {
      out.error = make_error_code(error::invalid_executor_environment);
      out.message = std::move(message_);
    } else {
      out.config = std::move(config);
    }
    return out;
  }

 private:
  const environment_lookup& lookup_;
  std::string message_;
};

// host:port with a port in 1..65535 and a non-empty host; an IPv6 host is
// bracketed ("[::1]:5051"), as Mesos writes it. No scheme, no path.
bool valid_endpoint(std::string_view endpoint) {
  const auto colon = endpoint.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const auto host = endpoint.substr(0, colon);
  const auto port = endpoint.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  std::uint32_t number = 0;
  for (char c : port) {
    if (!is_digit(c)) return false;
    number = number * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (number == 0 || number > 65'535) return false;
  for (char c : host) {
    if (c == '/' || c == ' ' || c == '@' || c == '?' || c == '#') return false;
  }
  if (host.front() == '[') return host.size() > 2 && host.back() == ']';
  return host.find(':') == std::string_view::npos;  // an unbracketed IPv6 address is ambiguous
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_mesos_duration(std::string_view text) {
  std::size_t i = 0;
  // Whole part: at least one digit.
  std::int64_t whole = 0;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    if (whole > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return std::nullopt;
    whole = whole * 10 + (text[i] - '0');
  }
  if (i == 0) return std::nullopt;
  // Fraction: a point and at least one digit. Kept as decimal digits so the
  // value is exact (0.1secs is exactly 100ms).
  std::string_view fraction;
  if (i < text.size() && text[i] == '.') {
    const std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    fraction = text.substr(start, i - start);
    if (fraction.empty()) return std::nullopt;
  }
  const std::string_view suffix = text.substr(i);
  for (const auto& unit : duration_units) {
    if (suffix != unit.suffix) continue;
    if (whole > std::numeric_limits<std::int64_t>::max() / unit.nanoseconds) return std::nullopt;
    std::int64_t total = whole * unit.nanoseconds;
    // floor(unit x 0.d1d2...dk), exactly, by Horner's rule from the last
    // digit: S = (unit x d + S) / 10 at each step. Integer division at each
    // step loses nothing: floor((n + f) / 10) = floor(n / 10) for a whole n
    // and 0 <= f < 1. No overflow: unit x 9 + S stays below 10 x unit.
    std::int64_t part = 0;
    for (auto it = fraction.rbegin(); it != fraction.rend(); ++it) {
      part = (unit.nanoseconds * (*it - '0') + part) / 10;
    }
    if (part > std::numeric_limits<std::int64_t>::max() - total) return std::nullopt;
    total += part;
    return std::chrono::nanoseconds(total);
  }
  return std::nullopt;
}

std::string executor_api_url(const executor_config& config) {
  return "http://" + config.agent_endpoint + "/api/v1/executor";
}

environment_result executor_config_from_environment(const environment_lookup& lookup) {
  reader env(lookup);
  executor_config config;

  config.agent_endpoint = env.required_text("MESOS_AGENT_ENDPOINT", "the agent to subscribe to");
  if (!env.failed() && !valid_endpoint(config.agent_endpoint)) {
    env.fail("MESOS_AGENT_ENDPOINT is " + quoted(config.agent_endpoint) +
             ": expected host:port, without scheme or path (e.g. 127.0.0.1:5051)");
  }
  config.framework_id = env.required_text("MESOS_FRAMEWORK_ID", "every executor call carries it");
  config.executor_id = env.required_text("MESOS_EXECUTOR_ID", "every executor call carries it");
  config.directory = env.required_text("MESOS_DIRECTORY", "the executor's sandbox on the agent");
  config.sandbox = env.required_text("MESOS_SANDBOX", "the executor's sandbox as it sees it");

  const auto checkpoint = env.optional_text("MESOS_CHECKPOINT");
  if (!env.failed() && !checkpoint) env.fail("MESOS_CHECKPOINT is not set (a Mesos agent always sets it, 0 or 1)");
  if (auto flag = env.flag("MESOS_CHECKPOINT", checkpoint)) config.checkpoint = *flag;

  // Absent without checkpointing (the agent does not set them then); needed
  // with it, where they bound the reconnection. Checked whenever present.
  const auto recovery = env.optional_text("MESOS_RECOVERY_TIMEOUT");
  if (auto d = env.duration("MESOS_RECOVERY_TIMEOUT", recovery)) config.recovery_timeout = *d;
  const auto backoff_max = env.optional_text("MESOS_SUBSCRIPTION_BACKOFF_MAX");
  if (auto d = env.duration("MESOS_SUBSCRIPTION_BACKOFF_MAX", backoff_max)) {
    if (d->count() == 0) {
      env.fail("MESOS_SUBSCRIPTION_BACKOFF_MAX is " + quoted(*backoff_max) +
               ": expected a positive duration (0 would resubscribe in a busy loop)");
    }
    config.subscription_backoff_max = *d;
  }
  if (!env.failed() && config.checkpoint) {
    if (!recovery)
      env.fail("MESOS_RECOVERY_TIMEOUT is not set, but MESOS_CHECKPOINT is 1 (the agent sets both)");
    else if (!backoff_max)
      env.fail("MESOS_SUBSCRIPTION_BACKOFF_MAX is not set, but MESOS_CHECKPOINT is 1 (the agent sets both)");
  }

  const auto grace = env.optional_text("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD");
  if (!env.failed() && !grace) {
    env.fail("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD is not set (a Mesos agent always sets it)");
  }
  if (auto d = env.duration("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", grace)) config.shutdown_grace_period = *d;

  if (auto agent = env.optional_text("MESOS_SLAVE_ID")) config.agent_id = std::move(*agent);
  if (auto token = env.optional_text("MESOS_EXECUTOR_AUTHENTICATION_TOKEN")) {
    if (token->empty()) env.fail("MESOS_EXECUTOR_AUTHENTICATION_TOKEN is set but empty");
    config.authentication_token = std::move(*token);
  }
  const auto command_executor = env.optional_text("MESOS_HTTP_COMMAND_EXECUTOR");
  if (auto flag = env.flag("MESOS_HTTP_COMMAND_EXECUTOR", command_executor)) config.http_command_executor = *flag;

  return env.result(std::move(config));
}

environment_result executor_config_from_environment() {
  return executor_config_from_environment([](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  });
}

}  // namespace mesoshttp::executor
