"""The HTML reports' colours: light, and dark where the reader's system asks for it.

Every report (check, seeds, reproducibility) starts its stylesheet with :data:`PALETTE`
and names colours only through its variables, so a report opened at night is not a
white page, and one theme is kept in one place. Badge colours are mid tones that carry
white text in both themes.
"""

from __future__ import annotations

PALETTE = """
:root { color-scheme: light dark;
  --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#fff; --soft:#f6f8fa; --link:#0969da;
  --ok:#1a7f37; --drift:#9a6700; --fail:#cf222e; --err:#8250df;
  --ok-text:#1a7f37; --drift-text:#9a6700; --fail-text:#cf222e;
  --add:#dafbe1; --del:#ffebe9; --hunk:#0550ae;
  --high-bg:#ffebe9; --high-line:#ffcecb; --medium-bg:#fff8c5; --medium-line:#f5e0a0;
  --confirmed-bg:#dafbe1; --confirmed-line:#aceebb; --confirmed-fg:#116329; --attribution-bg:#f6fff8;
  --check-a:#eee; --check-b:#fff; --star:#ca8a04; }
@media (prefers-color-scheme: dark) { :root {
  --fg:#e6edf3; --muted:#9198a1; --line:#3d444d; --bg:#0d1117; --soft:#151b23; --link:#4493f8;
  --ok:#238636; --drift:#9e6a03; --fail:#da3633; --err:#8957e5;
  --ok-text:#3fb950; --drift-text:#d29922; --fail-text:#f85149;
  --add:#12261e; --del:#25171c; --hunk:#79c0ff;
  --high-bg:#3c1618; --high-line:#8e1519; --medium-bg:#2e2a14; --medium-line:#6b5a12;
  --confirmed-bg:#12261e; --confirmed-line:#2ea04366; --confirmed-fg:#3fb950; --attribution-bg:#0f1f17;
  --check-a:#30363d; --check-b:#21262d; --star:#e3b341; } }
body { color: var(--fg); background: var(--bg); }
a { color: var(--link); }
"""
