"""Small trigger handlers the tests name by import path, as a seed file would."""


def auto_confirm(event, context):
    """PreSignUp: confirm and verify everyone (a test pool's convenience)."""
    event["response"]["autoConfirmUser"] = True
    event["response"]["autoVerifyEmail"] = True
    return event
