// The Prometheus text exposition format, version 0.0.4:
//   # HELP <name> <help, with \ and newline escaped>
//   # TYPE <name> counter|gauge|histogram
//   <name>{<label>="<value, with \ " and newline escaped>",...} <value>
// Histograms: <name>_bucket{...,le="<bound>"} (cumulative, ending with
// le="+Inf"), <name>_sum and <name>_count.
#include <charconv>
#include <cmath>

#include "mesoshttp/metrics.hpp"

namespace mesoshttp {
namespace {

// Shortest text that reads back as the same double; Prometheus' spellings of
// the infinities and NaN.
void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc() ? end : buf);
}

void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// {a="1",b="2"} plus, for a bucket, le; nothing for no labels at all.
void append_labels(std::string& out, const metric_labels& labels, const std::string* le = nullptr) {
  if (labels.empty() && !le) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    append_escaped(out, value, true);
    out += '"';
  }
  if (le) {
    if (!first) out += ',';
    out += "le=\"";
    out += *le;
    out += '"';
  }
  out += '}';
}

void append_line(std::string& out, std::string_view name, std::string_view suffix, const metric_labels& labels,
                 double value, const std::string* le = nullptr) {
  out += name;
  out += suffix;
  append_labels(out, labels, le);
  out += ' ';
  append_number(out, value);
  out += '\n';
}

}  // namespace

std::string to_prometheus_text(const metrics_snapshot& snapshot) {
  std::string out;
  for (const auto& family : snapshot.families) {
    out += "# HELP ";
    out += family.name;
    out += ' ';
    append_escaped(out, family.help, false);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += to_string(family.type);
    out += '\n';
    if (family.type != metric_type::histogram) {
      for (const auto& s : family.samples) append_line(out, family.name, "", s.labels, s.value);
      continue;
    }
    std::vector<std::string> les;
    les.reserve(family.bounds.size() + 1);
    for (const double bound : family.bounds) {
      std::string le;
      append_number(le, bound);
      les.push_back(std::move(le));
    }
    les.emplace_back("+Inf");
    for (const auto& s : family.samples) {
      for (std::size_t i = 0; i < les.size(); ++i) {
        const auto n = i < s.buckets.size() ? s.buckets[i] : s.count;
        append_line(out, family.name, "_bucket", s.labels, static_cast<double>(n), &les[i]);
      }
      append_line(out, family.name, "_sum", s.labels, s.sum);
      append_line(out, family.name, "_count", s.labels, static_cast<double>(s.count));
    }
  }
  return out;
}

}  // namespace mesoshttp
