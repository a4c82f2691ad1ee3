"""Text of published files for search: .txt (UTF-8 or GB18030), .html, and .pdf through pypdf."""

import io

from reportlab.pdfgen import canvas

from ggzy.disclosure.public import extract_text


def test_text_html_and_pdf() -> None:
    assert "评标办法" in extract_text("招标文件.txt", "第三章 评标办法".encode())
    assert "评标办法" in extract_text("招标文件.txt", "第三章 评标办法".encode("gb18030"))
    html = "<html><style>p{}</style><body><p>第一章&nbsp;招标公告</p><script>x()</script></body></html>"
    assert extract_text("notice.html", html.encode()) == "第一章 招标公告"
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, "Section 3 evaluation method: comprehensive scoring")
    pdf.save()
    assert "comprehensive scoring" in extract_text("tender.pdf", buffer.getvalue())
    assert extract_text("broken.pdf", b"%PDF-1.4 not really") == ""
    assert extract_text("drawing.dwg", b"\x00\x01binary") == ""
