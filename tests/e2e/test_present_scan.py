"""Answering a verifier from a QR code, in Chromium: the camera path where the browser reads
codes (BarcodeDetector), and the page at a phone's width and a desk's, with no accessibility
violations. The camera and the detector are stood in for in the page: headless Chromium has
neither a camera nor a barcode reader."""

from __future__ import annotations

from playwright.sync_api import expect

from accounts.models import User
from tests.e2e.test_employer_requests import assert_accessible, assert_fits, signed_in, sized, width

__all__ = ["sized", "width"]

FAKE_CAMERA = """
window.BarcodeDetector = class {
  constructor(options) { this.formats = options.formats; }
  async detect() { return [{ format: "qr_code", rawValue: "satchel-test: not a verifier link" }]; }
};
navigator.mediaDevices.getUserMedia = async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  canvas.getContext("2d").fillRect(0, 0, 64, 64);
  return canvas.captureStream(5);
};
"""


def test_the_camera_reads_a_code_into_the_link_and_opens_it(sized, satchel, db, width):
    context, page = sized
    learner = User.objects.create_user(email="sam@example.org", password=None)
    signed_in(context, satchel, learner)

    page.goto(f"{satchel}/present")
    expect(page.get_by_role("button", name="Scan with the camera")).to_be_hidden()
    assert_accessible(page)
    assert_fits(page, width)

    context.add_init_script(FAKE_CAMERA)
    page.goto(f"{satchel}/present")
    page.get_by_role("button", name="Scan with the camera").click()
    # The page submits what the camera read; the server answers it like a pasted link.
    expect(page.get_by_role("alert")).to_contain_text("not a link")
    expect(page.get_by_label("The verifier's link")).to_have_value(
        "satchel-test: not a verifier link"
    )
    assert_accessible(page)
