"""Sample course-pack contexts shared by the pack and WeasyPrint tests."""

from __future__ import annotations

from typing import Any

EN_SENTENCE = "Peacekeepers protect civilians under imminent threat of physical violence."
ZH_SENTENCE = "维和人员必须保护面临人身暴力威胁的平民。"
AR_SENTENCE = "يجب على حفظة السلام حماية المدنيين المعرضين لخطر العنف الجسدي."

LESSON_HTML = {
    "en": f"""
<p>{EN_SENTENCE}</p>
<p>The mandate sets out what the mission may do, and the rules of engagement say how.</p>
<ul><li>Know the mandate.</li><li>Report what you see.</li><li>Respect local law.</li></ul>
<h2>Key points</h2>
<blockquote><p>Impartiality is not neutrality.</p></blockquote>
<p>Read <em>the Capstone Doctrine</em> before deployment.</p>
""",
    "zh": f"""
<p>{ZH_SENTENCE}</p>
<p>任务授权规定了特派团可以做什么，交战规则规定了如何去做。</p>
<ul><li>了解任务授权。</li><li>报告你所看到的情况。</li><li>尊重当地法律。</li></ul>
<h2>要点</h2>
<blockquote><p>公正不等于中立。</p></blockquote>
<p>部署前请阅读<em>基石原则</em>。</p>
""",
    "ar": f"""
<p>{AR_SENTENCE}</p>
<p>تحدد الولاية ما يجوز للبعثة القيام به، وتحدد قواعد الاشتباك كيفية القيام به.</p>
<ul><li>اعرف الولاية.</li><li>أبلغ عما تراه.</li><li>احترم القانون المحلي.</li></ul>
<h2>النقاط الرئيسية</h2>
<blockquote><p>الحياد لا يعني عدم الانحياز.</p></blockquote>
<p>اقرأ <em>مبادئ كابستون</em> قبل النشر.</p>
""",
}

LESSON_TITLES = {
    "en": ["The mandate", "Protection of civilians"],
    "zh": ["任务授权", "保护平民"],
    "ar": ["الولاية", "حماية المدنيين"],
}

LABELS = {
    "en": {
        "contents": "Contents",
        "version": "Version",
        "lesson": "Lesson",
        "generated": "Generated",
        "fallback_notice": "This lesson is not yet translated; it is shown in English.",
    },
    "zh": {
        "contents": "目录",
        "version": "版本",
        "lesson": "第{number}课",
        "generated": "生成日期",
        "fallback_notice": "本课尚未翻译，以英文显示。",
    },
    "ar": {
        "contents": "المحتويات",
        "version": "الإصدار",
        "lesson": "الدرس",
        "generated": "تاريخ الإنشاء",
        "fallback_notice": "لم تترجم هذه الدرس بعد، وهو معروض باللغة الإنجليزية.",
    },
}

SUMMARIES = {
    "en": "Pre-deployment training for military and police contingents.",
    "zh": "军事和警察特遣队的部署前培训。",
    "ar": "تدريب سابق للنشر للوحدات العسكرية ووحدات الشرطة.",
}

COURSE_TITLES = {
    "en": "Core Pre-deployment Training",
    "zh": "核心部署前培训",
    "ar": "التدريب الأساسي السابق للنشر",
}


def sample_context(language: str, extra_html: str = "") -> dict[str, Any]:
    """A course pack context in language, whose second lesson falls back to English."""
    lessons = [
        {
            "number": 1,
            "title": LESSON_TITLES[language][0],
            "html": LESSON_HTML[language] + extra_html,
            "is_fallback": False,
        },
        {
            "number": 2,
            "title": LESSON_TITLES[language][1],
            "html": LESSON_HTML["en"],
            "is_fallback": language != "en",
        },
    ]
    if language != "en":
        lessons[1].update(language="en", direction="ltr")
    return {
        "title": COURSE_TITLES[language],
        "summary": SUMMARIES[language],
        "version": "2024.2",
        "language": language,
        "direction": "rtl" if language == "ar" else "ltr",
        "generated_on": "2024-05-02",
        "centre": "Test Training Centre",
        "labels": LABELS[language],
        "lessons": lessons,
    }
