#include "analysis/html_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/html_report_assets.h"
#include "analysis/latency_series.h"
#include "models/core/check.h"

namespace cutover::analysis {
namespace {

using nlohmann::json;

// About one bucket per 10 px of a chart 1,200 px wide.
constexpr std::size_t kLatencyBuckets = 120;
// The report's rounding (report.h): times and latencies to the microsecond in ms.
constexpr int kTimeDecimals = 3;
constexpr int kFractionDecimals = 6;

json rounded(std::optional<double> value, int decimals = kTimeDecimals) {
  if (!value || !std::isfinite(*value)) return nullptr;
  const double scale = std::pow(10.0, decimals);
  const double result = std::round(*value * scale) / scale;
  return result == 0.0 ? 0.0 : result;  // no "-0.0"
}

// timeseries.csv's content, by column.
json lag_json(const RunFacts& facts) {
  const LagSeries& lag = facts.lag;
  json times = json::array();
  json primary = json::array();
  for (std::size_t i = 0; i < lag.times.size(); ++i) {
    times.push_back(rounded(models::to_seconds(lag.times[i])));
    const bool known = i < lag.primary.size() && lag.primary[i].has_value();
    CUTOVER_CHECK(!known || lag.primary[i]->value < facts.replicas.size(), "unnamed primary");
    primary.push_back(known ? json(facts.replicas[lag.primary[i]->value]) : json(nullptr));
  }
  json replicas = json::array();
  for (std::size_t r = 0; r < facts.replicas.size(); ++r) {
    json samples = json::array();
    for (std::size_t i = 0; i < lag.times.size(); ++i) {
      const bool sampled = r < lag.lag_ms.size() && i < lag.lag_ms[r].size();
      samples.push_back(sampled ? rounded(lag.lag_ms[r][i]) : json(nullptr));
    }
    replicas.push_back({{"name", facts.replicas[r]}, {"lag_ms", std::move(samples)}});
  }
  return {{"time_s", std::move(times)}, {"primary", std::move(primary)}, {"replicas", replicas}};
}

json bucket_columns(const std::vector<LatencyBucket>& buckets) {
  json ok = json::array();
  json errors = json::array();
  json p50 = json::array();
  json p99 = json::array();
  for (const LatencyBucket& bucket : buckets) {
    ok.push_back(bucket.ok);
    errors.push_back(bucket.errors);
    p50.push_back(rounded(bucket.p50_ms));
    p99.push_back(rounded(bucket.p99_ms));
  }
  return {{"ok", std::move(ok)},
          {"errors", std::move(errors)},
          {"p50_ms", std::move(p50)},
          {"p99_ms", std::move(p99)}};
}

json latency_over_time_json(const RunFacts& facts) {
  const double bucket_s = latency_bucket_s(facts.simulated_s, kLatencyBuckets);
  const LatencyTimeline timeline = latency_over_time(facts, bucket_s);
  json start = json::array();
  json end = json::array();
  for (const double s : timeline.start_s) {
    start.push_back(rounded(s));
    end.push_back(rounded(s + bucket_s));
  }
  return {{"bucket_s", rounded(bucket_s)},
          {"start_s", std::move(start)},
          {"end_s", std::move(end)},
          {"write", bucket_columns(timeline.by_kind[0])},
          {"read", bucket_columns(timeline.by_kind[1])}};
}

json cdf_json(const std::vector<CdfPoint>& cdf) {
  json latency = json::array();
  json fraction = json::array();
  for (const CdfPoint& point : cdf) {
    latency.push_back(rounded(point.latency_ms));
    fraction.push_back(rounded(point.fraction, kFractionDecimals));
  }
  return {{"latency_ms", std::move(latency)}, {"fraction", std::move(fraction)}};
}

// JSON text that is safe inside <script>: '<', '>' and '&' occur only inside JSON strings,
// where their \u escapes mean the same to JSON.parse and no "</script>" or "<!--" survives.
std::string script_safe_json(const json& value) {
  const std::string text = value.dump();
  std::string safe;
  safe.reserve(text.size());
  for (const char c : text) {
    if (c == '<') {
      safe += "\\u003c";
    } else if (c == '>') {
      safe += "\\u003e";
    } else if (c == '&') {
      safe += "\\u0026";
    } else {
      safe += c;
    }
  }
  return safe;
}

std::string escape_html(std::string_view text) {
  std::string escaped;
  for (const char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

struct Placeholder {
  std::string_view name;  // as written in the template, e.g. "{{data}}"
  std::string_view value;
};

// The template with each placeholder replaced by its value, in one pass over the template so
// a value that happens to contain a placeholder's name is never substituted again. Each
// placeholder must occur exactly once: a template edit that drops one is a build bug.
std::string fill_template(std::string_view page, const std::vector<Placeholder>& placeholders) {
  std::vector<std::pair<std::size_t, const Placeholder*>> found;
  std::size_t size = page.size();
  for (const Placeholder& placeholder : placeholders) {
    const std::size_t at = page.find(placeholder.name);
    CUTOVER_CHECK(at != std::string_view::npos,
                  "report.html template lacks " + std::string(placeholder.name));
    CUTOVER_CHECK(page.find(placeholder.name, at + 1) == std::string_view::npos,
                  "report.html template repeats " + std::string(placeholder.name));
    found.emplace_back(at, &placeholder);
    size += placeholder.value.size();
  }
  std::sort(found.begin(), found.end());
  std::string filled;
  filled.reserve(size);
  std::size_t copied = 0;
  for (const auto& [at, placeholder] : found) {
    filled.append(page.substr(copied, at - copied));
    filled.append(placeholder->value);
    copied = at + placeholder->name.size();
  }
  filled.append(page.substr(copied));
  return filled;
}

}  // namespace

json html_report_data(const json& report, const RunFacts& facts) {
  const std::array<std::vector<CdfPoint>, 2> cdfs = latency_cdfs(facts);
  return {{"report", report},
          {"lag", lag_json(facts)},
          {"latency_over_time", latency_over_time_json(facts)},
          {"latency_cdf", {{"write", cdf_json(cdfs[0])}, {"read", cdf_json(cdfs[1])}}},
          {"chart_library", "Chart.js " + std::string(html_assets::chart_js_version())}};
}

std::string render_html_report(const json& report, const RunFacts& facts) {
  const std::string title = escape_html("cutover: " + report.value("scenario", std::string()));
  const std::string data = script_safe_json(html_report_data(report, facts));
  return fill_template(
      html_assets::page_template(),
      {{"{{title}}", title}, {"{{data}}", data}, {"{{chart_js}}", html_assets::chart_js()}});
}

}  // namespace cutover::analysis
