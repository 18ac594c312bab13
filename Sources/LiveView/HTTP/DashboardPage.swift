import Aggregates
import Foundation

/// The live dashboard served at `GET /`: one self-contained HTML page (CSS and
/// JavaScript inlined at start from `Dashboard/index.html`, `dashboard.css` and
/// `dashboard.js`, embedded in the binary as resources, hand-drawn SVG, no external fonts, scripts or network
/// beyond this server's own JSON API). It polls `/api/v1/counts` (by scenario,
/// district and cell) and `/api/v1/status` every 2 s and shows totals,
/// events/s with a sparkline, verdict shares, per-district and per-scenario
/// bars, a scenario × district heatmap and the consumer's partitions, with
/// Chinese and English names from the API rows.
public enum DashboardPage {
    /// `Content-Security-Policy` for the page: inline script and style only,
    /// fetches to this origin only.
    public static let contentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        + "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// The page, UTF-8.
    public static let htmlBytes: [UInt8] = Array(html.utf8)

    /// The page's HTML text: `Dashboard/index.html` with `dashboard.css` and
    /// `dashboard.js` inlined where it says `/*{{dashboard.css}}*/` and `/*{{dashboard.js}}*/`,
    /// so the page stays one response under ``contentSecurityPolicy``.
    public static let html: String = {
        let page = String(decoding: PackageResources.index_html, as: UTF8.self)
        return page
            .replacingOccurrences(of: "/*{{dashboard.css}}*/", with: String(decoding: PackageResources.dashboard_css, as: UTF8.self))
            .replacingOccurrences(of: "/*{{dashboard.js}}*/", with: String(decoding: PackageResources.dashboard_js, as: UTF8.self))
    }()
}
