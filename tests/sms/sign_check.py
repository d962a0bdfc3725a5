#!/usr/bin/python3
"""Independent signatures for tests/sms: Python's hmac and hashlib, written
from the providers' documents, not from herald's code.

  sign_check.py twilio TOKEN URL [name=value ...]   base64 HMAC-SHA1 (X-Twilio-Signature)
  sign_check.py vonage METHOD SECRET [name=value ...]
      METHOD md5hash | md5 | sha1 | sha256 | sha512: Vonage's signed
      callbacks over "&name=value" sorted by name (sig left out, '&' and
      '=' in values as '_'); md5hash appends the secret and hashes, the
      others are HMACs keyed by it. Lower-case hex.
  sign_check.py callback SECRET TEXT                hex HMAC-SHA256 (herald's sig)
"""

import base64
import hashlib
import hmac
import sys


def pairs(args):
    return [tuple(a.split("=", 1)) for a in args]


def main(argv):
    mode = argv[0]
    if mode == "twilio":
        token, url = argv[1], argv[2]
        data = url + "".join(k + v for k, v in sorted(pairs(argv[3:]), key=lambda p: p[0]))
        digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
        print(base64.b64encode(digest).decode())
    elif mode == "vonage":
        method, secret = argv[1], argv[2]
        text = "".join(
            "&" + k + "=" + v.replace("&", "_").replace("=", "_")
            for k, v in sorted(pairs(argv[3:]), key=lambda p: p[0])
            if k != "sig"
        )
        if method == "md5hash":
            print(hashlib.md5((text + secret).encode()).hexdigest())
        else:
            print(hmac.new(secret.encode(), text.encode(), method).hexdigest())
    elif mode == "callback":
        print(hmac.new(argv[1].encode(), argv[2].encode(), hashlib.sha256).hexdigest())
    else:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
