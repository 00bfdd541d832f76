"""Reading a typed answer in the context of the question the bot asked. Pure: no Rasa, no store.

The intent classifier reads a message on its own; these readers know what was asked, so "no photos" at the
photo question, "ok yes file it" at the summary or "half" at the amount question mean what the buyer meant,
whatever intent the classifier chose. Each reader returns None when the text is not an answer it knows.

Besides English, the readers know what buyers type in Spanish, Portuguese, French and Russian, whatever the
conversation's language (a buyer may mix): the words are matched on `_fold`ed text, without the accents of Latin
letters ("sí" = "si", "não" = "nao", "reçu" = "recu") and with "ё" read as "е", so the other languages' words are
written here without accents. English words and English results are as they were.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

_PUNCT = re.compile(r"[^\w\s$€£₽?.,'-]")


def normalise(text: str) -> str:
    """Lowercase, curly quotes straightened, emoji and repeated punctuation dropped, spaces collapsed."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").lower()
    text = _PUNCT.sub(" ", text)
    text = re.sub(r"([!?.,])\1+", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _fold(text: str) -> str:
    """`normalise`d, without the accents of Latin letters ("Sí, claro" -> "si, claro", "não" -> "nao", "ç" -> "c"),
    "ё" read as "е"; other letters (Cyrillic "й") kept. The readers match their words on this."""
    kept: list = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and kept and kept[-1].isascii():
            continue
        kept.append(ch)
    return normalise(unicodedata.normalize("NFC", "".join(kept))).replace("ё", "е")


# Questions in Spanish, Portuguese, French and Russian, typed without the question mark.
_QUESTION_INTL = re.compile(r"^(como|cuando|cuanto|cuanta|cuantos|cuantas|donde|cual|cuales|por que|se puede|"
                            r"es posible|quando|quanto|quanta|onde|qual|quais|da pra|tem como|e possivel|"
                            r"comment|quand|combien|pourquoi|est-ce que|est ce que|puis-je|peut-on|"
                            r"que es|que pasa|que hago|que significa|o que|oq|qu'est|c'est quoi|c quoi|"
                            r"как|когда|сколько|почему|зачем|где|что(?!-)|можно ли|а можно|разве|неужели)\b")


def is_question(text: str) -> bool:
    if text.lstrip().startswith("¿"):
        return True
    t = _fold(text)
    return t.endswith("?") or bool(re.match(
        r"^(can|could|may|how|what|when|why|where|will|would|is|are|do|does|should|which)\b", t)) \
        or bool(_QUESTION_INTL.match(t))


# ---- yes / no ------------------------------------------------------------------------------------------

_YES = re.compile(r"\b(yes|yeah|yea|yep|yup|ya|yes please|sure|ok|okay|k|go ahead|go for it|do it|file it|"
                  r"send it|submit( it)?|confirm(ed)?|correct|that'?s right|looks (good|right|fine)|all good|"
                  r"perfect|fine|right|absolutely|of course|please do)\b")
_NO = re.compile(r"\b(no|nope|nah|not|don'?t|dont|wait|hold on|change|wrong|never|cancel)\b")

# The same in Spanish, Portuguese, French and Russian (folded: no accents). "sim card" is no Portuguese yes.
_YES_INTL = re.compile(
    r"\b(sip|sep|claro|claro que si|que si|dale|vale|va bien|bueno|esta bien|ta bien|muy bien|de acuerdo|perfecto|"
    r"genial|listo|correcto|exacto|eso es|asi es|por supuesto|adelante|hazlo|okey|oki|okis|venga|"
    r"sim(?! (?:cards?|tray|slot|only|lock|free)\b)|isso|isso mesmo|isso ai|pode|pode ser|pode sim|claro que sim|"
    r"beleza|blz|certo|ta certo|ta bom|ta bem|tudo bem|tudo certo|fechado|bora|com certeza|perfeito|exato|"
    r"uhum|aham|oui|ouais|ouai|ouep|d'accord|d accord|daccord|dac|dacc|bien sur|bien entendu|carrement|"
    r"volontiers|parfait|c'est bon|cest bon|c'est ca|cest ca|ca marche|vas-y|vas y|allez-y|allez y|"
    r"tres bien|oke|да|дада|ага|угу|конечно|конешно|канешно|давай|давайте|ок|окей|оки|хорошо|ладно|"
    r"верно|все верно|правильно|точно|именно|согласен|согласна|подтверждаю|можно|отлично|норм|нормально|го)\b")
_NO_INTL = re.compile(
    r"\b(nop|nel|nunca|jamas|para nada|mejor no|todavia no|aun no|ni hablar|negativo|espera|esperate|"
    r"cancela|cancelar|cambia|cambialo|cambiar|incorrecto|equivocado|esta mal|nao|naum|nops|nem|nem pensar|"
    r"de jeito nenhum|ainda nao|pera|perai|errado|muda|mudar|altera|alterar|non(?!-)|nan|pas|jamais|"
    r"pas du tout|surtout pas|attends|attendez|annule|annuler|changer|modifie|modifier|c'est faux|cest faux|"
    r"нет|неа|нее|не|нету|ни|никогда|не надо|нельзя|подожди|погоди|стоп|отмена|отмени|неверно|неправильно|"
    r"измени|поменяй)\b")
# "si" is also Spanish for "if" ("si el vendedor no responde ..."): a yes only when written "sí", alone, before a
# comma, or in a short answer ("si porfa", "si ese").
_SI = re.compile(r"^(?:si|si si)(?:\s*(?:[,.!]|$)|(?=(?: \S+){1,2}$))")


def _yes_intl(t: str, text: str) -> bool:
    return bool(_YES_INTL.search(t) or _SI.match(t) or re.search(r"(?<!\w)sí(?!\w)", text.lower()))


# Negations that say yes: "no problem" in the other languages ("no problem" in English is left as it was).
_YES_DESPITE_NO = re.compile(r"\b(sin problema|no hay problema|ningun problema|sem problema|sem problemas|"
                             r"pas de souci|pas de soucis|pas de probleme|pas de problemes|sans probleme|"
                             r"не вопрос|без проблем|нет проблем|не проблема)\b")
# A yes word denied ("no es correcto", "не верно") is a no; idioms that only look negative ("nada a ver") are dropped.
_NO_DESPITE_YES = re.compile(r"\b(?:no|nao|pas|не) (?:es |e |esta |ta |est )?(?:correcto|correto|certo|bien|bom|ca|"
                             r"верно|правильно|так|то)\b")
_IDIOMS = re.compile(r"\b(nada a ver|nada que ver|rien a voir|ничего себе)\b")
# What the confirmation questions ask ("cancel", "escalate", "accept", "open", "modify"), in the other languages:
# "si, cancelala", "oui, annule", "да, отменяй" are a yes to "cancel?".
_VERBS_INTL = {
    "cancel": r"cancel(?:a|ar|ala|alo|alas|alos|e|em|en|ado|ada|ate)|anul\w*|annul\w*|отмен\w*",
    "escalate": r"escal(?:a|ar|ala|alo|e|em|en|ado|ada|ez|er|ade)|transmet\w*|эскал\w*|переда\w*",
    "accept": r"acept\w*|aceit\w*|accepte\w*|прин(?:ять|имаю|имай|имайте|ими|имите)|соглаша\w*",
    "open": r"abr(?:e|ir|ela|elo|a|am|la|lo)|ouvr\w*|откр\w*|presenta\w*",
    "modify": r"guard\w*|salv(?:a|ar|e|em)|enregistr\w*|сохран\w*",
}


def yes_or_no(text: str, verb: str = "") -> Optional[bool]:
    """A plain yes or no ("ok yes file it", "Yes, file it", "nope"); None for anything else, questions
    included ("before i say yes, how long ...?"). `verb` is what was asked ("cancel"): "yes cancel" is a yes."""
    t = _fold(text)
    if verb:
        t = re.sub(rf"\b{re.escape(verb)}\b", " ", t).strip()
        if verb in _VERBS_INTL:
            t = re.sub(rf"\b({_VERBS_INTL[verb]})\b", " ", t).strip()
    if not t or text.lstrip().startswith("¿") or is_question(t) or len(t.split()) > 8:
        return None
    if re.fullmatch(r"s|n", t):
        return t == "s"  # "s" / "n": sim / não typed short
    said_yes = _YES_DESPITE_NO.search(t)
    t = _NO_DESPITE_YES.sub(" no ", _YES_DESPITE_NO.sub(" ", _IDIOMS.sub(" ", t)))
    yes = bool(said_yes or _YES.search(t) or _yes_intl(t, text))
    no = bool(_NO.search(t) or _NO_INTL.search(t))
    if yes and not no:
        return True
    if no and not yes:
        return False
    return None


_ARRIVED = re.compile(r"\b(arrived|received|recieved|got it|came|delivered|have it|it'?s here)\b")
_NOT_ARRIVED = re.compile(r"\b(never|not|didn'?t|didnt|hasn'?t|hasnt|haven'?t|havent|no|nope|nothing|still waiting|"
                          r"lost)\b")
_ARRIVED_INTL = re.compile(
    r"\b(llego|llegaron|me llego|lo recibi|la recibi|recibi|recibido|recibida|ya lo tengo|ya la tengo|lo tengo|"
    r"entregado|entregada|chegou|chegaram|recebi|recebido|recebida|ja tenho|ja chegou|entregue|veio|"
    r"recu|recue|je l'ai|arrivee|(?:est|suis|bien|deja|c'est) arrive|livre|livree|"
    r"пришло|пришел|пришла|пришли|получил|получила|получили|"
    r"получено|доставлен\w*|дошло|дошел|дошла|забрал\w*|есть)\b")
_NOT_ARRIVED_INTL = re.compile(
    r"\b(nop|nunca|jamas|todavia no|aun no|nada|sigo esperando|sigue sin llegar|se perdio|perdido|extraviado|"
    r"nao|naum|n (?:chegou|recebi|veio)|ainda nao|ainda esperando|to esperando|estou esperando|sumiu|"
    r"non(?!-)|nan|pas|jamais|rien|toujours pas|pas encore|j'attends|perdu|egare|"
    r"нет|неа|не|ни|никогда|ничего|еще нет|жду|до сих пор|потерял\w*|пропал\w*)\b")


def _not_arrived(t: str) -> bool:
    return bool(_NOT_ARRIVED.search(t) or _NOT_ARRIVED_INTL.search(t))


def received(text: str) -> Optional[bool]:
    """The answer to "Did you receive the item?", button titles included ("Yes, it arrived")."""
    t = _IDIOMS.sub(" ", _fold(text))
    if _not_arrived(t):
        return False
    if _ARRIVED.search(t) or _YES.search(t) or _ARRIVED_INTL.search(t) or _yes_intl(t, text):
        return True
    return None


# ---- photos ----------------------------------------------------------------------------------------------

_LATER = re.compile(r"\b(later|tonight|tomorrow|after|afterwards|another time|when i get home)\b")
_NO_PHOTOS = re.compile(r"\b(no (photos?|pics?|pictures?|images?|videos?|files?)|skip|don'?t have|dont have|"
                        r"without|none|no|nope|nah|nothing|can'?t|cant|done|that'?s all|thats all|that'?s it|"
                        r"thats it|finished|next|go on|continue|carry on|move on)\b")
_LATER_INTL = re.compile(
    r"\b(despues|luego|mas tarde|manana|esta noche|otro dia|en un rato|al rato|ahorita no|"
    r"depois|mais tarde|amanha|a noite|de noite|outra hora|outro dia|daqui a pouco|"
    r"plus tard|apres|demain|ce soir|tout a l'heure|une autre fois|"
    r"потом|позже|попозже|завтра|вечером|после|в другой раз)\b")
_PHOTO_WORDS = (r"(?:fotos?|fotografias?|imagen(?:es)?|imagens?|videos?|photos?|images?|"
                r"фото\w*|видео|снимк\w*|картин\w*)")
_NO_PHOTOS_INTL = re.compile(
    rf"\b((?:(?:sin|sem|sans|pas de|без|нет) |pas d'){_PHOTO_WORDS}|{_PHOTO_WORDS} нет|"
    r"no tengo|no hay|ninguna|ninguno|nada|saltar|salta|omitir|siguiente|sigue|seguir|continuar|continua|listo|"
    r"ya esta|eso es todo|es todo|no puedo|nao tenho|nao|nenhuma|nenhum|pular|pula|proximo|segue|pronto|"
    r"so isso|e isso|acabei|nao posso|je n'en ai pas|j'en ai pas|je n'ai pas|aucune|aucun|rien|passer|passe|"
    r"suivant|continuer|continue|c'est tout|cest tout|fini|termine|non(?!-)|nan|pas|"
    r"нет|неа|нету|не|не могу|пропустить|пропусти|пропускаю|дальше|далее|продолжить|продолжай|готово|все|"
    r"это все|ничего)\b")


def photos_answer(text: str) -> Optional[str]:
    """At the photo question: "later" (go on now, add photos after filing), "none" (go on without) or None."""
    t = _fold(text)
    if _LATER.search(t) or _LATER_INTL.search(t):
        return "later"
    if _NO_PHOTOS.search(t) or _NO_PHOTOS_INTL.search(t):
        return "none"
    return None


def no_photos_mentioned(text: str) -> bool:
    """A message that says, among other things, that there are no photos ("... no photos sorry")."""
    t = _fold(text)
    return bool(re.search(r"\bno (photos?|pics?|pictures?|images?)\b", t) or re.search(
        rf"\b((?:(?:sin|sem|sans|pas de|без|нет|no tengo|nao tenho|je n'ai pas de|у меня нет) |pas d'){_PHOTO_WORDS}"
        rf"|{_PHOTO_WORDS} нет)\b", t))


# ---- resolution ---------------------------------------------------------------------------------------

# Words after these no longer count as what the buyer wants: "forget the replacement, just refund me fully".
_NEGATED = re.compile(r"\b(forget|not|no|don'?t want|dont want|instead of|rather than|no longer|cancel)\b"
                      r"(\s+(about\s+)?(the|a|an|my|that)?)?\s*\w+(\s+(one|item|refund))?")
_PARTIAL = re.compile(r"\b(partial|partly|keep (it|them|the \w+)|some (of (my|the) )?money|part of|discount|"
                      r"compensat\w*|half|bit of money|little money)\b")
_ANOTHER = re.compile(r"\b(another (one|item|piece|pair)?|replacement|replace( it)?|new one|resend|re-send|"
                      r"send (it|one|me one|a new one) again|exchange|swap|a new \w+|"
                      r"sen[dt] (me )?(one|it|a new|the right)\b.*|.*\bsen[dt] instead|"
                      r"sen[dt] (me )?(a |an |the )?(\w+ )?(one|pair|item)|get a (new|proper|working) \w+)\b")
_FULL = re.compile(r"\b(full refund|refund( me)?( fully| in full)?|money back|reimburse\w*|all (of )?(my|the) money|"
                   r"fully|full amount|whole amount|full|refnd|refund)\b")


# The same in Spanish, Portuguese, French and Russian (folded): "olvida el reemplazo", "не хочу замену".
_NEGATED_INTL = re.compile(
    r"\b(olvida|olvidate de|no quiero|en vez de|en lugar de|esquece|esqueca|nao quero|em vez de|ao inves de|"
    r"oublie|oubliez|je ne veux pas|je veux pas|au lieu de|au lieu d'|pas de|pas d'|pas un|pas une|"
    r"забудь(?: про| о)?|не хочу|не надо|не нужен|не нужна|не нужно|вместо|не)"
    r"(\s+(el|la|los|las|lo|un|una|o|a|os|as|um|uma|le|les|l'|une|du|des))?\s*\w+"
    r"(\s+(parcial|parcelado|total|completo|integral|partiel|complet|totale))?")
_PARTIAL_INTL = re.compile(
    r"\b(reembolso parcial|devolucion parcial|parcial|parcialmente|parte del dinero|parte de mi dinero|"
    r"me lo quedo|me la quedo|quedarmelo|quedarmela|quedarme con \w+|descuento|compensacion|"
    r"parte do dinheiro|parte do valor|fico com \w+|ficar com \w+|desconto|compensacao|abatimento|"
    r"remboursement partiel|partiel|partielle|une partie|je le garde|je la garde|le garder|la garder|garder|"
    r"reduction|remise|dedommagement|geste commercial|"
    r"частичн\w*|часть денег|часть суммы|(?:оставлю|оставить|оставляю) (?:себе|его|ее|товар\w*)|скидк\w*|компенсац\w*|"
    r"la mitad|mitad|a metade|metade|la moitie|moitie|половин\w*|пополам)\b")
_ANOTHER_INTL = re.compile(
    r"\b((?:otro|otra|outro|outra) (?:producto|articulo|item|igual|nuevo|nueva|novo|nova|produto|par|pieza|peca|"
    r"unidad|unidade)|(?:manden|mandar|mandenme|envien|enviar|envienme|mande|envie|mandem|enviem|manda|envia)"
    r"(?: me)? (?:otro|otra|outro|outra|uno nuevo|una nueva|um novo|uma nova)|"
    r"reemplazo|reposicion|reponer|(?:un|el) cambio|cambio por otro|cambiarlo|cambiarla|uno nuevo|una nueva|reenvio|"
    r"troca(?! (?:o|a|os|as|de|do|da)\b)|trocar (?:por|o produto|o item|ele|ela|a peca)|quero trocar$|"
    r"substituicao|substituir|reposicao|um novo|uma nova|reenviar|"
    r"remplacement|remplacer|echange|echanger|un nouveau|une nouvelle|un autre|une autre|renvoyer|"
    r"замен\w*|обмен\w*|(?:друг(?:ой|ую|ое)|нов(?:ый|ую|ое)) (?:товар|вещь|экземпляр|пар\w*)|"
    r"(?:пришлите|прислать|пришли|пусть пришлют|отправьте|отправить|вышлите) (?:мне )?"
    r"(?:другой|другую|другое|новый|новую|новое|еще)|(?:хочу|нужен|нужна|нужно) (?:другой|другую|другое)|"
    # "quero outra", "quiero otro", "I want another one" said with the item left out
    r"(?:quiero|quero|queria|quisiera|gostaria de|prefiero|prefiro) (?:un |una |um |uma )?(?:otro|otra|outro|outra)"
    r"(?! (?:cosa|coisa|vez|dia|hora|color|cor)\b))\b"
    r"|^(otro|otra|outro|outra|другой|другую|другое)( por favor| pls| пожалуйста)?$")
_FULL_INTL = re.compile(
    r"\b(reembolso total|reembolso completo|reembolso|reembolsar|reembolsen|devolucion del dinero|devolucion|"
    r"mi dinero|todo el dinero|devuelvan (?:el|mi) dinero|reembolso integral|estorno|estornar|"
    r"meu dinheiro|dinheiro de volta|devolucao do dinheiro|devolver o dinheiro|devolvam o dinheiro|"
    r"remboursement total|remboursement complet|remboursement|rembourser|rembourse|remboursez|mon argent|"
    r"полный возврат|возврат денег|возврат|вернуть деньги|верните деньги|деньги назад|мои деньги|"
    r"всю сумму|вся сумма|полностью)\b")


def resolution_in(text: str) -> Optional[str]:
    """full_refund, partial_refund or another_item in a buyer's words; None when none is named."""
    t = _NEGATED.sub(" ", _NEGATED_INTL.sub(" ", _fold(text)))
    if _PARTIAL.search(t) or _PARTIAL_INTL.search(t):
        return "partial_refund"
    if _ANOTHER.search(t) or _ANOTHER_INTL.search(t):
        return "another_item"
    if _FULL.search(t) or _FULL_INTL.search(t):
        return "full_refund"
    return None


# ---- amounts ------------------------------------------------------------------------------------------

# Currencies: English ones, then the others buyers write ("R$", "reais", "руб", "₽"; "dolares" folded).
_MONEY = (r"(?:us\$|\$|€|£|usd|eur|gbp|dollars?|bucks|euros?"
          r"|(?:r\$|₽|(?:brl|rub|reais|dolares|dolar|pesos|руб(?:лей|ля|ль)?|р|евро|доллар(?:ов|а)?|бакс(?:ов|а)?)"
          r"(?![a-zа-я])\.?))")
# A number: "1.000,50" / "1 000" (thousands) or "1,000.50", before a plain "29.95" or "5,50".
_NUM = (r"(?:\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?"
        r"|\d{1,3}(?: \d{3})+(?![\d-])(?:[.,]\d{1,2})?|\d{1,9}(?:[.,]\d{1,2})?)")
_WITH_CURRENCY = re.compile(rf"(?:{_MONEY}\s*({_NUM})(?![\w.,]\d|\w)"
                            rf"|(?<![\w.,])({_NUM})\s*{_MONEY})")
_BARE = re.compile(rf"(?<![\w.,-])({_NUM})(?![\w]|[.,]\d)")
_HALF = re.compile(r"\b(half|50 ?%|fifty percent)\b")
_ALL = re.compile(r"\b(all of it|all|everything|the whole (thing|price|amount)|full price|full amount|the lot)\b")
# The same in Spanish, Portuguese, French and Russian (folded).
_HALF_INTL = re.compile(r"\b(la mitad|mitad|cincuenta por ciento|a metade|metade|cinquenta por cento|la moitie|"
                        r"moitie|cinquante pour cent|половин\w*|пополам|50 процентов)\b")
_ALL_INTL = re.compile(r"\b(todo|toda|todo el dinero|el total|todo el precio|tudo|o valor todo|o total|valor total|"
                       r"tout|la totalite|le prix total|tout le prix|все|всю сумму|вся сумма|целиком|полностью)\b")
# "monto a 6", "muda o valor pra 6", "mets 6", "сумма 6", "reembolso parcial de 5", "верните 10".
_AMOUNT_SAID_INTL = re.compile(
    r"\b(?:monto|importe|cantidad|valor|montant|somme|сумм\w*|возврат\w*|reembolso|remboursement|estorno|"
    r"devolucion|devolucao|cambia\w*|cambiar|muda|mudar|altera|alterar|troca|trocar|pon|ponle|ponlo|ponla|pone|mets|mettez|"
    r"mettre|changer|changez|bota|coloca|deja|deixa|поставь\w*|сделай\w*|измени\w*|поменяй\w*|верни\w*|"
    r"вернуть|devuelv\w*|devolv\w*|rembours\w*(?:-moi)?|que sean|que seja|solo|seulement|plutot|mejor|"
    r"melhor|только|лучше)"
    r"(?:\s+(?:el|la|lo|los|o|a|os|le|les|me|moi|de|du|es|sea|seja|pra|para|por|en|est|soit|parcial|partiel|"
    r"total|monto|valor|montant|importe|cantidad|reembolso|remboursement|на|в|до|будет|мне|сумму|возврат))*"
    rf"\s+({_NUM})(?![\w.,]\d|\w)(?!\s*(?:days?|dias?|jours?|дн\w*|день|keys?|items?|%|piezas?|pecas?|"
    r"unidades?|articulos?|articles?|шт\w*|раз\w*|veces|vezes|fois))")

# The amount before the words for "back": "get 7.50 back", "receber 7,50 de volta", "5 euros de vuelta",
# "12,50 de remboursement", "300 назад".
_AMOUNT_BACK = re.compile(
    rf"(?<![\d.,])({_NUM})\s+(?:back(?=\s*(?:[.,!?]|$)|\s+(?:please|pls|and|for|to|on|into|as|instead|rather)\b)|"
    r"de volta|de vuelta|de regreso|de reembolso|de estorno|de remboursement|rembourses?|назад|обратно)\b")


def amount_words(text: str) -> bool:
    """"half", "all of it": amounts in words, which need the price to become a number."""
    t = _fold(text)
    return bool(_HALF.search(t) or _ALL.search(t) or _HALF_INTL.search(t) or _ALL_INTL.search(t))


def _decimal(raw: str) -> Decimal:
    """"5,50" and "5.50", "1.000,50", "1 000", "1,000.50"."""
    raw = raw.replace(" ", "")
    if "," in raw and "." in raw:
        separator = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if separator == "," else ","
        raw = raw.replace(thousands, "").replace(separator, ".")
    elif re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        raw = raw.replace(",", "").replace(".", "")
    return Decimal(raw.replace(",", "."))


def amount_in(text: str, price: Optional[Decimal], *, bare_numbers: bool) -> Optional[Decimal]:
    """A refund amount: "$5", "5 dollars", "partial refund of 5.50", "half", "all of it"; "5,50 €", "R$ 20",
    "500 руб", "1.000,50", "la mitad", "половину". Bare numbers ("ugh. 29.95") count only when `bare_numbers`
    (the amount was asked); 16-digit order numbers never count."""
    t = _fold(text)
    match = _WITH_CURRENCY.search(t)
    if match:
        return _decimal(match.group(1) or match.group(2))
    if price is not None and (_HALF.search(t) or _HALF_INTL.search(t)):
        return (price / 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if not bare_numbers:
        # "a refund of 5", "5 back", and a correction: "change the amount to 6", "make it 6".
        # "of" but not "instead of 15": that is the amount being replaced.
        of = re.search(r"\b(?:refund|back|(?<!instead )of|amount(?:\s+(?:to|is|should\s+be))?|make\s+it"
                       r"|change\s+it\s+to)\s+(\d{1,9}(?:[.,]\d{1,2})?)\b(?!\s*(?:days?|keys?|items?|%))", t) \
            or _AMOUNT_SAID_INTL.search(t) or _AMOUNT_BACK.search(t)
        return _decimal(of.group(1)) if of else None
    numbers = [n for n in _BARE.findall(t) if len(n.replace(",", "").replace(".", "").replace(" ", "")) < 12]
    if numbers:
        return _decimal(numbers[0])
    if price is not None and (_ALL.search(t) or _ALL_INTL.search(t)):
        return price
    return None


# ---- corrections ------------------------------------------------------------------------------------

_NEW_DESCRIPTION = re.compile(
    r"\b(?:the )?(?:description|it)\s+should\s+(?:say|read|be)\s*:?\s*(?P<a>.+)$"
    r"|\b(?:change|set|make)\s+the\s+description\s+(?:to|into)\s*:?\s*(?P<b>.+)$"
    r"|\bnew description\s*:?\s*(?P<c>.+)$", re.I | re.S)


def new_description(text: str) -> Optional[str]:
    """The new text in "the description should say ..." / "change the description to ..."."""
    match = _NEW_DESCRIPTION.search(text.strip())
    if not match:
        return None
    value = (match.group("a") or match.group("b") or match.group("c") or "").strip().strip("\"'").strip()
    return value or None


_SKIP = re.compile(r"^(no|nope|nah|none|nothing|skip|skip it|n/a|na|nothing to add|no thanks|not really|"
                   r"that'?s it|thats it|-)$")
_SKIP_INTL = re.compile(r"^(nop|nada|nada mas|no gracias|nada que agregar|nada que anadir|saltar|omitir|ninguno|"
                        r"nao|nada a acrescentar|nada a declarar|nao obrigado|nao obrigada|pular|nenhum|"
                        r"non|nan|rien|non merci|rien a ajouter|rien de plus|passer|aucun|"
                        r"нет|неа|ничего|пропустить|пропусти|нет спасибо|нечего добавить)$")


def skips(text: str) -> bool:
    """"no", "skip", "nothing to add": the buyer leaves an optional field empty."""
    t = _fold(text).strip(" .!")
    return bool(_SKIP.match(t) or _SKIP_INTL.match(t))


_NOT_PROBLEM_WORDS = {
    "size": "size_mismatch", "colour": "color_mismatch", "color": "color_mismatch", "brand": "brand_mismatch",
    "model": "model_mismatch", "material": "material_mismatch", "weight": "weight_mismatch",
    "broken": "damaged", "damaged": "damaged", "packaging": "no_packaging", "box": "no_packaging",
    "fake": "counterfeit", "counterfeit": "counterfeit", "wrong item": "wrong_item", "missing": "missing_parts",
}


def problems_denied(text: str) -> set:
    """Problem codes the buyer says are NOT the problem: "it's the size, not the colour" -> {color_mismatch}.
    "it's not the brand they advertised" is the complaint itself, so a bare "not X" counts only in a correction
    ("actually ... not the colour")."""
    t = normalise(text)
    denied = set()
    contrast = re.finditer(r"\b([a-z]+)\s*,?\s+(?:and\s+)?(?:not|isn'?t)\s+(?:the\s+|a\s+)?([a-z]+(?:\s+item)?)", t)
    for match in contrast:
        if match.group(1) in _NOT_PROBLEM_WORDS and _NOT_PROBLEM_WORDS.get(match.group(2)):
            denied.add(_NOT_PROBLEM_WORDS[match.group(2)])
    if is_correction(t):
        for match in re.finditer(r"\b(?:not|isn'?t|no longer)\s+(?:the\s+|a\s+)?([a-z]+(?:\s+item)?)", t):
            code = _NOT_PROBLEM_WORDS.get(match.group(1))
            if code:
                denied.add(code)
    return denied


_CORRECTION_INTL = re.compile(
    r"\b(en realidad|cambia\w*|cambiar|en vez|en lugar|olvida\w*|quise decir|quiero decir|perdon|me equivoque|"
    r"corrijo|na verdade|muda|mudar|altera|alterar|em vez|ao inves|esquece|esqueca|quis dizer|quero dizer|"
    r"desculpa|me enganei|corrigindo|en fait|plutot|finalement|changer|changez|modifie\w*|au lieu|oublie\w*|"
    r"je voulais dire|je veux dire|pardon|je me suis trompe|вообще-то|вообще то|на самом деле|точнее|измени\w*|"
    r"поменяй\w*|вместо|забудь|я имел в виду|я имела в виду|имею в виду|ошибся|ошиблась|поправка|исправ\w*)\b")


def is_correction(text: str) -> bool:
    t = _fold(text)
    return bool(re.search(r"\b(actually|instead|forget|change|make it|rather|correction|i meant|i mean|sorry i)\b",
                          t) or _CORRECTION_INTL.search(t))


_OTHER_ORDER_INTL = re.compile(
    r"\b(pedido equivocado|otro pedido|el otro|me equivoque de pedido|quise decir|no ese|no es ese|"
    r"pedido errado|outro pedido|o outro|quis dizer|nao esse|nao e esse|mauvaise commande|autre commande|l'autre|"
    r"je voulais dire|pas celle-la|pas celui-la|pas celle la|pas celui la|не тот|не та|не то|другой заказ|"
    r"я имел в виду|я имела в виду)\b")


def about_choosing_an_order(text: str) -> bool:
    """"sorry wrong order, i meant the earbuds": a correction of which order, not a wrong item."""
    t = _fold(text)
    return bool(re.search(r"\b(wrong (order|one)|i meant|i mean|not that one|other one)\b", t)
                or _OTHER_ORDER_INTL.search(t))


def talks_about_the_item(text: str) -> bool:
    """A statement about the item itself (four words or more, no question, no negation): the buyer has it."""
    t = _fold(text)
    return len(t.split()) >= 4 and not is_question(text) and not _not_arrived(t) and not t.startswith("/")


def says_full(text: str) -> bool:
    t = _fold(text)
    return bool(re.search(r"\b(full|fully|all|everything|whole)\b", t) or re.search(
        r"\b((?:reembolso|remboursement|valor|monto|importe|prix|precio|preco|el|o|le|en) total|totalmente|todo|"
        r"completo|tudo|inteiro|integral|tout|totalite|complet|весь|всю|полностью|полный|все)\b", t))


_STOP = re.compile(r"\b(stop|cancel|forget it|forget about it|never ?mind|nvm|quit|exit|leave it|not now|bye|"
                   r"don'?t want to|dont want to|give up|later)\b")
_STOP_INTL = re.compile(
    r"\b(basta|dejalo|olvidalo|olvidate|cancelar|cancela|salir|chau|chao|adios|ya no quiero|mas tarde|"
    r"ahora no|deixa pra la|esquece|sair|tchau|desisto|agora nao|nao quero mais|mais tarde|"
    r"arrete|arretez|laisse tomber|oublie|annuler|annule|quitter|au revoir|plus tard|tant pis|pas maintenant|"
    r"стоп|хватит|забудь|отмена|отмени|выход|неважно|не надо|не сейчас|позже|передумал|передумала)\b")


def explicit_stop(text: str) -> bool:
    """A clear wish to leave ("stop", "forget it", "never mind"), not a sentence that happens to say "won't"."""
    t = _fold(text)
    return len(t.split()) <= 6 or bool(_STOP.search(t) or _STOP_INTL.search(t))


_POSITION_WORDS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
                   "fifth": 4, "5th": 4, "last": -1, "bottom": -1, "top": 0}
# Spanish, Portuguese, French, Russian (folded): "el segundo", "o último", "la deuxième", "второй".
_POSITION_WORDS_INTL = {
    **dict.fromkeys(("primero", "primera", "primer", "primeiro", "primeira", "premier", "premiere", "1er", "1re",
                     "первый", "первая", "первое", "первую"), 0),
    **dict.fromkeys(("segundo", "segunda", "deuxieme", "2e", "2eme", "второй", "вторая", "второе", "вторую"), 1),
    **dict.fromkeys(("tercero", "tercera", "tercer", "terceiro", "terceira", "troisieme", "3e", "3eme", "третий",
                     "третья", "третье", "третью"), 2),
    **dict.fromkeys(("cuarto", "cuarta", "quarto", "quarta", "quatrieme", "4e", "4eme", "четвертый", "четвертая",
                     "четвертое", "четвертую"), 3),
    **dict.fromkeys(("quinto", "quinta", "cinquieme", "5e", "5eme", "пятый", "пятая", "пятое", "пятую"), 4),
    **dict.fromkeys(("ultimo", "ultima", "dernier", "derniere", "последний", "последняя", "последнее",
                     "последнюю"), -1),
}
_ORDER_WORDS_INTL = re.compile(r"\b(pedido|pedidos|encomenda|encomendas|compra|commande|commandes|заказ\w*)\b")


def position_in(text: str) -> Optional[int]:
    """"the second one", "last one", "2": a place in the list just shown (not "my last order")."""
    t = _fold(text)
    if "order" in t or _ORDER_WORDS_INTL.search(t) or len(t.split()) > 5:
        return None
    match = re.search(r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|bottom|top)\b", t)
    if match:
        return _POSITION_WORDS[match.group(1)]
    words = re.findall(r"\w+", t)
    found = next((_POSITION_WORDS_INTL[w] for w in words if w in _POSITION_WORDS_INTL), None)
    if found is not None:
        return found
    number = re.fullmatch(r"(?:#|no\.? ?|number |numero |n[oº°] ?|номер |№ ?)?([1-8])", t.strip())
    return int(number.group(1)) - 1 if number else None


_WRONG_ITEM = re.compile(r"\b(completely|totally|entirely|a whole) different\b|\bwrong (item|product|thing|one)\b|"
                         r"\bsomeone else'?s?\b|\bnot (what|the one) i (ordered|bought|paid)")
_ATTRIBUTE_INSTEAD = re.compile(r"\b(size|colou?r|model|version|brand)\b.{0,25}\binstead of\b|"
                                r"\b(size|in) [a-z0-9]{1,4} instead of\b")


def settle_wrong_item(text: str, problems: list) -> list:
    """A wrong item differs in everything, so its colour and material mismatches are not extra problems; and
    "came in size S instead of M" is a size problem, not a wrong item."""
    t = normalise(text)
    if "wrong_item" in problems and _WRONG_ITEM.search(t):
        return [p for p in problems if not p.endswith("_mismatch")]
    if "wrong_item" in problems and _ATTRIBUTE_INSTEAD.search(t) and len(problems) > 1:
        return [p for p in problems if p != "wrong_item"]
    return problems


_FOLLOW_UP = re.compile(r"^(and|what about|how about|same for|and for|also for)\b")


def is_follow_up(text: str) -> bool:
    """"and the dress?", "what about the shoes": the previous question again, about something else."""
    t = normalise(text)
    return bool(_FOLLOW_UP.match(t)) and len(t.split()) <= 6
