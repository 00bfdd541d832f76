"""One line for a buyer who writes in a language the assistant does not speak yet, in that language: the answers
come in English, and these are the languages it does speak. Written for the languages bot.i18n.detection
recognises beside the supported ones (NOTICED)."""
from __future__ import annotations

from typing import Dict

NOTES: Dict[str, str] = {
    "de": "Ich spreche leider noch kein Deutsch und antworte auf Englisch. Ich kann auch Spanisch, Portugiesisch, "
          "Französisch und Russisch.",
    "it": "Purtroppo non parlo ancora italiano, quindi rispondo in inglese. Parlo anche spagnolo, portoghese, "
          "francese e russo.",
    "pl": "Niestety nie mówię jeszcze po polsku, więc odpowiem po angielsku. Mówię też po hiszpańsku, "
          "portugalsku, francusku i rosyjsku.",
    "tr": "Maalesef henüz Türkçe konuşamıyorum, bu yüzden İngilizce yanıt vereceğim. İspanyolca, Portekizce, "
          "Fransızca ve Rusça da konuşabiliyorum.",
    "uk": "На жаль, я ще не розмовляю українською, тому відповідатиму англійською. Також можу іспанською, "
          "португальською, французькою та російською.",
    "nl": "Helaas spreek ik nog geen Nederlands, dus ik antwoord in het Engels. Ik spreek ook Spaans, Portugees, "
          "Frans en Russisch.",
}
