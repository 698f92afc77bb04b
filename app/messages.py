"""The one message catalogue: a key maps to (sentence a person understands, category).

Views and error pages show messages by key; tests assert by key. Cognito's own messages are
never shown to people.
"""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "invalid_credentials": (
        _l("That email address and password don't match. Check them and try again."),
        "error",
    ),
    "not_confirmed": (
        _l(
            "Your email address isn't confirmed yet. Enter the code we sent you, or ask for a new one."
        ),
        "error",
    ),
    "already_confirmed": (_l("This account is already confirmed. You can sign in."), "info"),
    "password_reset_required": (
        _l("You need to choose a new password before you can sign in."),
        "error",
    ),
    "code_mismatch": (
        _l("That code isn't right. Check the latest email we sent and try again."),
        "error",
    ),
    "code_expired": (_l("That code has expired. Ask for a new one and try again."), "error"),
    "too_many_attempts": (_l("Too many attempts. Wait a few minutes, then try again."), "error"),
    "password_policy": (
        _l("That password doesn't meet the rules shown below. Choose another one."),
        "error",
    ),
    "already_exists": (_l("That email address can't be used. Try another one."), "error"),
    "invalid_input": (_l("Something you entered isn't valid. Check it and try again."), "error"),
    "not_found": (_l("We couldn't find that account."), "error"),
    "session_expired": (_l("Your session has ended. Please sign in again."), "info"),
    "reconfirm_for_account": (
        _l("To open your account here, continue with the service you signed in with once more."),
        "info",
    ),
    "rejected": (
        _l("We couldn't accept that request. Check what you entered and try again."),
        "error",
    ),
    "delivery_failed": (
        _l("We couldn't send the email. Check the address and try again later."),
        "error",
    ),
    "throttled": (_l("We're very busy right now."), "error"),
    "unavailable": (_l("We can't reach the sign-in service right now."), "error"),
    "store_unavailable": (
        _l("We can't reach our session storage right now. Nothing you entered was saved."),
        "error",
    ),
    "too_large": (_l("That was more data than this page accepts."), "error"),
    "ambiguous": (
        _l(
            "We couldn't confirm whether that change went through. Check your account before you try again."
        ),
        "error",
    ),
    "passkey_refused": (
        _l("Your passkey couldn't be used here. Try again, or sign in another way."),
        "error",
    ),
    "email_code_wrong": (
        _l("That code isn't right. Check the newest email from us and try again."),
        "error",
    ),
    "email_code_spent": (
        _l("That code can't be used any more. Ask for a new one."),
        "error",
    ),
    "email_code_needs_mfa": (
        _l(
            "This account uses an authenticator app, so an emailed code isn't enough. Sign in"
            " with your password and the app's code."
        ),
        "error",
    ),
    "passkey_needs_mfa": (
        _l(
            "This account uses an authenticator app, and this passkey didn't check it's you with"
            " a fingerprint, face or PIN. Sign in with your password and the app's code."
        ),
        "error",
    ),
    "passkey_added": (_l("Your passkey is ready. Next time, sign in with it."), "info"),
    "passkey_not_made": (
        _l("No passkey was made. Try again, or keep signing in as you do now."),
        "error",
    ),
    "passkey_limit": (
        _l("You have as many passkeys as an account can have. Delete one to add another."),
        "error",
    ),
    "passkey_renamed": (_l("The passkey's name has been changed."), "info"),
    "passkey_name_invalid": (
        _l("A passkey's name can be up to 60 characters long."),
        "error",
    ),
    "passkey_deleted": (
        _l("The passkey has been deleted. Remove it from your device or password manager too."),
        "info",
    ),
    "passkey_gone": (_l("That passkey isn't on your account any more."), "info"),
    "configuration": (
        _l(
            "Sign-in isn't set up correctly for this app. The team has been told; please try again later."
        ),
        "error",
    ),
    "unexpected": (_l("Something went wrong on our side. Please try again."), "error"),
    "csrf": (_l("This form expired or was sent from another page. Please try again."), "error"),
    "email_confirmed": (_l("Your email address is confirmed. You can sign in now."), "info"),
    "password_changed": (
        _l("Your password has been changed. Sign in with your new password."),
        "info",
    ),
    "signed_out": (_l("You have signed out."), "info"),
    "signed_out_everywhere": (_l("You have been signed out on every device."), "info"),
    "rate_limited": (_l("Too many attempts from here."), "error"),
    "bad_authorize_request": (
        _l(
            "This sign-in link isn't valid: the app isn't registered here, or it asked to return to an address it hasn't registered. Go back to the app and try again."
        ),
        "error",
    ),
    "bad_logout_request": (
        _l("This sign-out link isn't valid for the app. You can close this page."),
        "error",
    ),
    "magic_link_needs_mfa": (
        _l(
            "This account uses an authenticator app, so a sign-in link isn't enough. Sign in"
            " with your password and the app's code."
        ),
        "error",
    ),
    "magic_code_wrong": (
        _l("That code isn't right, or it has expired. Check the latest email, or send a new link."),
        "error",
    ),
    "social_state": (
        _l("This sign-in didn't finish in this browser, or took too long. Please start again."),
        "error",
    ),
    "social_cancelled": (
        _l("You cancelled signing in. You can try again, or use another way to sign in."),
        "info",
    ),
    "social_failed": (
        _l(
            "The sign-in provider didn't complete the sign-in. Please try again, or use another way."
        ),
        "error",
    ),
    "disposable_email": (
        _l("Disposable email addresses can't be used. Please use an address you'll keep."),
        "error",
    ),
    "email_not_lowercase": (_l("Please type your email address in lowercase."), "error"),
    "current_password_wrong": (_l("Your current password isn't right."), "error"),
    "password_updated": (_l("Your password has been changed."), "info"),
    "sign_in_to_confirm_email": (
        _l("Sign in, then open the link from the email again (or type its code)."),
        "info",
    ),
    "email_changed": (_l("Your email address has been changed."), "info"),
    "email_change_cancelled": (
        _l("The email change was cancelled. Your address stays as it was."),
        "info",
    ),
    "code_sent": (_l("We've sent a new code."), "info"),
    "account_secured": (
        _l(
            "You've been signed out everywhere and the change was stopped. Choose a new password with the code we sent."
        ),
        "info",
    ),
    "not_found_page": (_l("There's nothing at this address."), "error"),
    # Account self-service: email change, securing an account, password change.
    "email_change_none": (_l("There's no email change waiting to be confirmed."), "info"),
    "password_updated_signed_out_others": (
        _l("Your password has been changed, and your other devices are signed out."),
        "info",
    ),
    "password_updated_sign_in": (
        _l("Your password has been changed. Sign in with your new password."),
        "info",
    ),
    "account_restored": (
        _l(
            "You've been signed out everywhere and your account's email address is yours again. Choose a new password with the code we sent to it."
        ),
        "info",
    ),
    "email_change_limit": (
        _l(
            "You've asked for too many email changes in the last hour. Your address stays as it was; please try again later."
        ),
        "error",
    ),
    # Sign-in hardening (issue 10): unproven addresses, confirmation and MFA guessing.
    "invitation_pending": (
        _l(
            "An account is waiting for you at this email address. Sign in with the temporary password from your invitation first; after that you can use this way to sign in too."
        ),
        "error",
    ),
    "confirm_code_wrong": (
        _l(
            "That code didn't confirm an account. Check the latest email we sent, or ask for a new code below. If your address is already confirmed, you can sign in."
        ),
        "error",
    ),
    "reset_code_wrong": (
        _l(
            "That code didn't work. Check the latest email we sent and try again; after several wrong tries, ask for a new code."
        ),
        "error",
    ),
    "mfa_code_wrong": (
        _l(
            "That code isn't right. Open your authenticator app and type the 6-digit code it shows now."
        ),
        "error",
    ),
    "mfa_locked": (
        _l(
            "Too many wrong codes from the authenticator app for this account. To protect it, two-step sign-in is paused for a while."
        ),
        "error",
    ),
    # "Confirm it's you" for every way of signing in (issue 11).
    "no_password": (
        _l(
            "Your account has no password to change: you sign in with the provider shown on this page."
        ),
        "info",
    ),
    "reconfirm_code_sent": (
        _l(
            "If your address can receive email, a 6-digit code is on its way. It works once, for 10 minutes."
        ),
        "info",
    ),
    "reconfirm_code_wrong": (
        _l(
            "That code isn't right, or it has expired or been tried too often. Check the latest email, or ask for a new code."
        ),
        "error",
    ),
    "reconfirm_other_person": (
        _l(
            "You confirmed with a different account at the provider than the one signed in here. Nothing was changed: confirm with the account you use for this one."
        ),
        "error",
    ),
    "reconfirm_not_fresh": (
        _l(
            "The provider didn't ask you to sign in just now, so we couldn't confirm it's you. Please try again."
        ),
        "error",
    ),
    "reconfirm_cancelled": (
        _l("You didn't finish confirming. Choose a way to confirm it's you."),
        "info",
    ),
    "reconfirm_failed": (
        _l(
            "The provider didn't complete the confirmation. Please try again, or choose another way."
        ),
        "error",
    ),
    "address_unproven": (
        _l(
            "An account already uses this email address, but the address hasn't been confirmed for it. Sign in to that account with its password instead."
        ),
        "error",
    ),
    # Two-step verification set up and turned off in the account pages (issue 13).
    "two_step_on": (
        _l(
            "Two-step verification is on. When you sign in, we'll ask for a code from your authenticator app."
        ),
        "info",
    ),
    "two_step_off": (
        _l(
            "Two-step verification is off. Signing in no longer asks for a code from your authenticator app."
        ),
        "info",
    ),
    "two_step_code_wrong": (
        _l(
            "That code isn't right. In your authenticator app, open the entry you just added and type the 6-digit code it shows now."
        ),
        "error",
    ),
    "two_step_setup_expired": (
        _l(
            "Setting up your authenticator app took too long, so it was stopped. Start again to get a new QR code to scan."
        ),
        "error",
    ),
    "two_step_required": (
        _l("This account must use two-step verification, so it can't be turned off."),
        "error",
    ),
    # Refusals of the sign-in triggers (issue 15): UserMigration's legacy directory, and
    # PreAuthentication or PostAuthentication (app/triggers/user_migration.py names them).
    "legacy_disabled": (
        _l(
            "This account was disabled in our previous system, so it can't be moved here. Please contact support."
        ),
        "error",
    ),
    "legacy_not_activated": (
        _l(
            "This account was never activated in our previous system. Create an account with the same email address to start again."
        ),
        "error",
    ),
    "legacy_federated": (
        _l("This account doesn't have a password: sign in with the service you used before."),
        "error",
    ),
    "legacy_unavailable": (
        # The page adds when to try again, from the number its Retry-After header says.
        _l("We can't reach our previous system to move your account right now."),
        "error",
    ),
    "sign_in_refused": (
        _l(
            "Signing in to this account isn't allowed right now. If you think this is a mistake, please contact support."
        ),
        "error",
    ),
}


def text(key: str) -> str:
    """The sentence for a key (translated for the current request)."""
    return str(MESSAGES[key][0])


def flash_message(key: str) -> None:
    """Flash a catalogue message by key."""
    message, category = MESSAGES[key]
    flash(str(message), category)


def reason_key(error) -> str:
    """The catalogue key for an error: a trigger's known refusal reason, else the error's own."""
    reason = getattr(error, "reason", "")
    return reason if reason in MESSAGES else error.key
