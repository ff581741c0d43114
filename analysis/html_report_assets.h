// The fixed parts of report.html, compiled into cutover at configure time (analysis/CMakeLists.txt)
// so the binary writes a self-contained page from any directory and needs no file at run time:
// the page template (analysis/html_report_template.html) and Chart.js, taken from Debian's
// libjs-chart.js. Read by analysis/html_report.cc only.
#pragma once

#include <string_view>

namespace cutover::analysis::html_assets {

std::string_view page_template();
std::string_view chart_js();
std::string_view chart_js_version();  // e.g. "3.9.1", from the library's own banner

}  // namespace cutover::analysis::html_assets
