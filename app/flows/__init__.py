"""One blueprint module per flow a person walks; views stay thin and call the gateway."""

from __future__ import annotations

from flask import Flask


def register(app: Flask, *, local_mode: bool) -> None:
    """Mount every flow, the OAuth2 server, and the per-request brand choice."""
    from .. import branding, csrf
    from ..oauth import cors, json_errors
    from ..oauth.server import build_server
    from ..pages import bp as pages
    from ..web import limits
    from . import (
        account,
        deletion,
        email_change,
        email_code,
        language,
        magic_link,
        oauth2,
        passkey_signin,
        passkeys,
        reconfirm,
        reconfirm_code,
        recovery,
        secure_account,
        signin,
        signup,
        social,
        two_step,
    )

    limits.init_app(app)
    app.extensions["gatehouse.oauth"] = build_server(app)
    cors.init_app(app)
    json_errors.init_app(app)
    for module in (
        pages,
        branding.bp,
        signin.bp,
        passkey_signin.bp,
        passkeys.bp,
        email_code.bp,
        signup.bp,
        recovery.bp,
        account.bp,
        language.bp,
        reconfirm.bp,
        reconfirm_code.bp,
        oauth2.bp,
        magic_link.bp,
        social.bp,
        email_change.bp,
        secure_account.bp,
        deletion.bp,
        two_step.bp,
    ):
        app.register_blueprint(module)
    # Machine-to-machine endpoints: clients authenticate themselves, browsers send no cookie.
    csrf.exempt(oauth2.token)
    csrf.exempt(oauth2.revoke)
    csrf.exempt(oauth2.userinfo)
    if local_mode:
        from .. import brand_preview
        from . import demo

        app.register_blueprint(demo.bp)
        app.register_blueprint(brand_preview.bp)
    branding.init_app(app)
