// report.html in a real browser: Debian's Chromium, headless, loads the page `cutover run`
// wrote. The page must run without a script error, draw every chart (checked on a screenshot),
// and show report.json's own figures, formatted as the page's template says: milliseconds and
// seconds with 3 decimals, availability as a percentage with 4, counts as integers, dollars with
// up to 9 decimals. Skipped, saying so, only when Chromium is not installed (scripts/setup.sh
// installs it, so CI runs these).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <locale>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/sim/cli_runner.h"
#include "tests/sim/headless_chromium.h"

namespace cutover::sim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::HeadlessChromium;
using test_support::ScenarioRun;

constexpr int kWindowWidth = 1280;

// --- reading the dumped DOM ------------------------------------------------------------------

// The start tag of the first element whose start tag begins with `opening` ("<body", "<canvas
// id=\"chart-lag\""); empty when there is none.
std::string start_tag(const std::string& dom, const std::string& opening) {
  const std::size_t begin = dom.find(opening);
  if (begin == std::string::npos) return {};
  return dom.substr(begin, dom.find('>', begin) + 1 - begin);
}

// The value of attribute `name` in a start tag; nullopt when absent.
std::optional<std::string> attribute(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const std::size_t begin = tag.find(key);
  if (begin == std::string::npos) return std::nullopt;
  const std::size_t value = begin + key.size();
  return tag.substr(value, tag.find('"', value) - value);
}

struct Figure {
  std::string format;
  std::string text;
};

// Every <span data-metric="PATH" data-format="KIND">TEXT</span>, by PATH.
std::map<std::string, Figure> figures(const std::string& dom) {
  std::map<std::string, Figure> found;
  const std::string key = "<span data-metric=\"";
  for (std::size_t at = dom.find(key); at != std::string::npos; at = dom.find(key, at + 1)) {
    const std::string tag = dom.substr(at, dom.find('>', at) + 1 - at);
    const std::size_t text_end = dom.find('<', at + tag.size());
    found[*attribute(tag, "data-metric")] = {
        *attribute(tag, "data-format"), dom.substr(at + tag.size(), text_end - at - tag.size())};
  }
  return found;
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++count;
  return count;
}

// --- the page's formatting rules, restated ---------------------------------------------------

std::string fixed(double value, int decimals) {
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out << std::fixed << std::setprecision(decimals) << value;
  return out.str();
}

const json& at_path(const json& report, const std::string& path) {
  static const json kMissing;
  const json* node = &report;
  std::istringstream segments(path);
  for (std::string segment; std::getline(segments, segment, '.');) {
    if (!node->is_object() || !node->contains(segment)) return kMissing;
    node = &node->at(segment);
  }
  return *node;
}

std::string expected_text(const json& value, const std::string& format) {
  if (format == "yesNo") {
    return value.is_boolean() ? (value.get<bool>() ? "yes" : "no") : "unknown";
  }
  if (!value.is_number()) return "n/a";
  const double number = value.get<double>();
  if (format == "ms" || format == "s") return fixed(number, 3);
  if (format == "percent") return fixed(number * 100, 4) + "%";
  if (format == "count") return value.dump();
  if (format == "usd") {
    std::string text = fixed(number, 9);
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
    return "$" + text;
  }
  ADD_FAILURE() << "the page uses a format this test does not know: " << format;
  return {};
}

// --- the browser -----------------------------------------------------------------------------

class HtmlReportPage : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path binary = test_support::find_chromium();
    if (binary.empty()) {
      GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs Debian's chromium "
                      "package): report.html is not tested in a browser";
    }
    chromium_.emplace(binary);
  }

  // Runs a shipped scenario and returns its run, with report.html written.
  ScenarioRun run_shipped(const std::string& relative_path) {
    ScenarioRun run = test_support::run_scenario_file(test_support::source_dir() / relative_path);
    EXPECT_TRUE(run.command.exit_code == 0 || run.command.exit_code == 1) << run.command.describe();
    EXPECT_TRUE(fs::exists(run.out_dir() / "report.html")) << run.command.describe();
    return run;
  }

  // The page's DOM after its scripts ran; fails the test on a script error or an unfinished
  // render.
  std::string loaded_dom(const fs::path& page) {
    const test_support::CommandResult dumped = chromium_->dump_dom(page, kWindowWidth);
    EXPECT_EQ(dumped.exit_code, 0) << dumped.describe();
    const std::string html = start_tag(dumped.out, "<html");
    EXPECT_EQ(attribute(html, "data-errors"), "0")
        << "script errors: " << attribute(html, "data-error-log").value_or("");
    EXPECT_EQ(attribute(start_tag(dumped.out, "<body"), "data-ready"), "true")
        << "the page did not finish rendering";
    return dumped.out;
  }

  std::optional<HeadlessChromium> chromium_;
};

TEST_F(HtmlReportPage, LoadsWithoutScriptErrorsAndShowsTheFiguresOfReportJson) {
  const ScenarioRun run = run_shipped("scenarios/quickstart.json");
  const std::string dom = loaded_dom(run.out_dir() / "report.html");

  const std::map<std::string, Figure> shown = figures(dom);
  for (const char* metric : {"latency_ms.write.p99", "latency_ms.read.p99", "availability.write",
                             "data_loss.acknowledged_writes_lost", "rto_ms", "failover_count",
                             "cost.total_usd", "cost.egress.total.usd"}) {
    EXPECT_TRUE(shown.contains(metric)) << metric << " is not among the page's figures";
  }
  for (const auto& [metric, figure] : shown) {
    EXPECT_EQ(figure.text, expected_text(at_path(run.report, metric), figure.format))
        << metric << " (" << figure.format << ")";
  }
  // quickstart's figures are real numbers, not n/a: a failover, a priced egress bill.
  EXPECT_NE(shown.at("rto_ms").text, "n/a");
  EXPECT_EQ(shown.at("cost.egress.total.usd").text.front(), '$');

  // One verdict cell per SLO, PASS or FAIL as report.json says, and the banner's count.
  std::size_t held = 0;
  for (const json& slo : run.report.at("slo")) held += slo.at("ok").get<bool>() ? 1 : 0;
  const std::size_t slos = run.report.at("slo").size();
  ASSERT_GT(slos, 0u);
  EXPECT_EQ(occurrences(dom, "<td class=\"pass\">PASS</td>"), held);
  EXPECT_EQ(occurrences(dom, "<td class=\"fail\">FAIL</td>"), slos - held);
  const std::string banner =
      held == slos ? "all " + std::to_string(slos) + " SLOs held"
                   : std::to_string(slos - held) + " of " + std::to_string(slos) + " SLOs failed";
  EXPECT_NE(dom.find("id=\"slo-summary\">" + banner + "</span>"), std::string::npos) << banner;
}

struct Box {
  int left = 0, top = 0, width = 0, height = 0;
};

Box parse_box(const std::string& text) {
  Box box;
  char comma = 0;
  std::istringstream in(text);
  in >> box.left >> comma >> box.top >> comma >> box.width >> comma >> box.height;
  return box;
}

// Pixels of a saturated colour (a data series: axes, grid lines and text are grey or black).
std::size_t coloured_pixels(const test_support::RgbImage& image, const Box& box) {
  constexpr int kSaturationMin = 64;
  std::size_t count = 0;
  for (int y = std::max(0, box.top); y < std::min(image.height, box.top + box.height); ++y) {
    for (int x = std::max(0, box.left); x < std::min(image.width, box.left + box.width); ++x) {
      const std::uint8_t* p = image.pixel(x, y);
      const int high = std::max({p[0], p[1], p[2]});
      const int low = std::min({p[0], p[1], p[2]});
      if (high - low >= kSaturationMin) ++count;
    }
  }
  return count;
}

TEST_F(HtmlReportPage, EveryChartIsDrawnInTheScreenshot) {
  const ScenarioRun run = run_shipped("scenarios/quickstart.json");
  const fs::path page = run.out_dir() / "report.html";
  const std::string dom = loaded_dom(page);
  const std::string height_text = attribute(start_tag(dom, "<body"), "data-height").value_or("0");
  const int height = std::stoi(height_text);
  ASSERT_GT(height, 0);

  const fs::path png = run.dir / "page.png";
  const test_support::CommandResult shot = chromium_->screenshot(page, kWindowWidth, height, png);
  ASSERT_EQ(shot.exit_code, 0) << shot.describe();
  const std::optional<test_support::RgbImage> image = test_support::read_png(png);
  ASSERT_TRUE(image.has_value()) << png << " is not a PNG";
  ASSERT_EQ(image->width, kWindowWidth);
  ASSERT_EQ(image->height, height);

  // A line 1.5 px wide across a 1,000 px plot already colours ~1,500 pixels; an empty plot,
  // whose grid is grey, none.
  constexpr std::size_t kColouredPixelsMin = 300;
  for (const char* chart :
       {"chart-timeline", "chart-lag", "chart-latency-time", "chart-latency-cdf", "chart-cost"}) {
    const std::string tag = start_tag(dom, std::string("<canvas id=\"") + chart + "\"");
    ASSERT_FALSE(tag.empty()) << chart << " is not on the page";
    const Box plot = parse_box(attribute(tag, "data-plot").value_or(""));
    ASSERT_GT(plot.width, 100) << chart;
    ASSERT_GT(plot.height, 50) << chart;
    ASSERT_LE(plot.top + plot.height, height) << chart << " lies below the screenshot";
    EXPECT_GE(coloured_pixels(*image, plot), kColouredPixelsMin) << chart << " looks blank";
  }
  // The right margin holds no chart: the count is of what the charts drew.
  EXPECT_EQ(
      coloured_pixels(*image, {.left = kWindowWidth - 24, .top = 0, .width = 24, .height = height}),
      0u);
}

TEST_F(HtmlReportPage, MigrationPhasesAreTabulatedAsInReportJson) {
  const ScenarioRun run = run_shipped("scenarios/migration/traffic-shift-rollback-raft.json");
  const std::string dom = loaded_dom(run.out_dir() / "report.html");
  const std::size_t section = dom.find("<section id=\"phases\">");
  ASSERT_NE(section, std::string::npos);
  const std::string phases = dom.substr(section, dom.find("</section>", section) - section);
  const json& steps = run.report.at("migration").at("steps");
  ASSERT_GE(steps.size(), 2u);  // the shift, cut short by the guard, and the rollback
  for (const json& step : steps) {
    const std::string name =
        (step.at("rollback").get<bool>() ? "rollback: " : "") + step.at("name").get<std::string>();
    const std::size_t row = phases.find("<tr><td>" + name + "</td>");
    ASSERT_NE(row, std::string::npos) << name;
    const std::string cells = phases.substr(row, phases.find("</tr>", row) - row);
    for (const char* field : {"start_s", "end_s", "duration_ms"}) {
      EXPECT_NE(cells.find("<td>" + expected_text(step.at(field), "ms") + "</td>"),
                std::string::npos)
          << name << " " << field;
    }
    EXPECT_NE(cells.find("<td>" + expected_text(step.at("metrics").at("write").at("p99_ms"), "ms") +
                         "</td>"),
              std::string::npos)
        << name << " write p99";
    EXPECT_NE(cells.find(step.at("ok").get<bool>() ? ">yes</td>" : ">no</td>"), std::string::npos)
        << name << " ok";
  }
  EXPECT_NE(
      phases.find("Guard \"" +
                  run.report.at("migration").at("guard_fired").at("guard").get<std::string>() +
                  "\" fired"),
      std::string::npos);
}

TEST_F(HtmlReportPage, AScriptErrorIsCountedOnThePage) {
  // The check every other test relies on: break the page and see data-errors say so.
  const ScenarioRun run = run_shipped("scenarios/quickstart.json");
  std::string page = test_support::read_text(run.out_dir() / "report.html");
  const std::size_t body_end = page.rfind("</body>");
  ASSERT_NE(body_end, std::string::npos);
  page.insert(body_end, "<script>noSuchFunction();</script>\n");
  const fs::path broken = run.dir / "broken.html";
  test_support::write_text(broken, page);
  const test_support::CommandResult dumped = chromium_->dump_dom(broken, kWindowWidth);
  ASSERT_EQ(dumped.exit_code, 0) << dumped.describe();
  const std::string html = start_tag(dumped.out, "<html");
  EXPECT_EQ(attribute(html, "data-errors"), "1");
  EXPECT_NE(attribute(html, "data-error-log").value_or("").find("noSuchFunction"),
            std::string::npos);
}

}  // namespace
}  // namespace cutover::sim
