"""The browser fixtures see a Content-Security-Policy violation (SEC-08): without this, a CSP that
blocked nothing -- or a console nobody reads -- would let every walk pass."""

from django.contrib.staticfiles.storage import staticfiles_storage

from .conftest import csp_violations
from .pw import expect


def test_an_inline_script_is_blocked_and_reported(page):
    """SEC-08: an inline script added to a page of ours does not run, and the violation reaches
    the list the fixtures check (cleared again so this test itself passes)."""
    page.goto("/login/")
    expect(page.locator("form")).to_have_count(1)
    page.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'window.ran = true';
                   document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.ran === undefined")
    violations = csp_violations(page.context)
    assert any("script-src" in v for v in violations), violations
    page.context.csp_violations.clear()


def test_a_style_attribute_is_blocked_and_static_files_load(page):
    """SEC-08: style-src is strict (a style="" attribute set in markup is refused) while our CSS,
    Bootstrap's data: icons and the scripts from static files load and run."""
    page.goto("/login/")
    page.evaluate("""() => document.body.insertAdjacentHTML('beforeend', '<p id="styled" style="color: red">x</p>')""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => getComputedStyle(document.getElementById('styled')).color") != "rgb(255, 0, 0)"
    assert any("style-src" in v for v in csp_violations(page.context))
    page.context.csp_violations.clear()
    assert page.evaluate("() => typeof window.htmx === 'object' && window.htmx.config.allowEval === false")
    assert page.evaluate("() => document.querySelectorAll('head style').length") == 0  # no htmx indicator <style>
    assert staticfiles_storage.url("js/app.js") in page.content()
