"""Text templates of the demo shop assistant: intents, knowledge-base snippets, replies, failures.

Templates use ``str.format`` fields that name slots (see ``_slots.py``). Literal braces are doubled.
Numbers that appear in knowledge-base snippets (policy ids, day counts, money amounts) come from
"fact" slots; every fact slot has a pool of *fake* values, disjoint from the real pool, that the
``invented_policy`` failure uses so the reply contradicts its context.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

SHOP = "Northwind Goods"


@dataclass(frozen=True)
class Intent:
    """One thing a customer asks for, with every text the demo app needs for it."""

    name: str
    app: str  # the app that usually serves it
    topic: str  # short English noun phrase ("your refund")
    topic_es: str
    topic_fr: str
    topic_de: str
    user: tuple[str, ...]
    kb: tuple[str, ...]  # knowledge-base snippets (facts) retrieved for it
    answers: tuple[str, ...]  # correct replies, using only facts from ``kb``
    action: dict | None = None  # JSON action the app must emit (action intents)
    weight: float = 1.0
    after_drift_only: bool = False
    # per user template, the answers that fit it (indices into ``answers``); empty: all fit
    answer_map: tuple[tuple[int, ...], ...] = ()


SUPPORT = "support-assistant"
BILLING = "billing-assistant"

INTENTS: tuple[Intent, ...] = (
    Intent(
        "order_status",
        SUPPORT,
        "your order",
        "su pedido",
        "votre commande",
        "Ihre Bestellung",
        user=(
            "Where is my order {order_id}? I ordered the {product} on {order_date}.",
            "Hi, can you tell me the status of order {order_id}?",
            "My package still hasn't arrived. Order number is {order_id}.",
            "I ordered the {product} last week and haven't heard anything since. Has it shipped?",
            "hey where's my stuff?? order {order_id}",
            "Could you check on order {order_id} for me? It was supposed to come by now.",
            "Has my {product} been shipped yet? The order is {order_id}.",
            "Tracking for {order_id} hasn't updated in days, is something wrong?",
        ),
        kb=(
            "[Order {order_id}] Item: {product}. Shipped on {ship_date} with {carrier}, tracking number "
            "{tracking}. Estimated delivery: {eta_date} to {city}.",
            "[{sp_id}] Standard shipping takes {ship_min}-{ship_max} business days after dispatch. "
            "Tracking updates can lag by up to {track_lag} hours.",
        ),
        answers=(
            "Your order {order_id} ({product}) shipped on {ship_date} with {carrier}. The tracking number is "
            "{tracking} and it should arrive in {city} by {eta_date}.",
            "Good news: order {order_id} is on its way. It left our warehouse on {ship_date} via {carrier} "
            "(tracking {tracking}), with delivery expected on {eta_date}.",
            "I checked order {order_id}: it shipped on {ship_date} and the estimated delivery is {eta_date}. "
            "Tracking can lag by up to {track_lag} hours, so don't worry if the {carrier} page looks stale.",
            "Thanks for your patience! Your {product} is with {carrier} (tracking {tracking}). Per {sp_id}, "
            "standard shipping takes {ship_min}-{ship_max} business days, so expect it by {eta_date}.",
        ),
        answer_map=((0, 1, 2, 3),) * 7 + ((2,),),
        weight=1.6,
    ),
    Intent(
        "refund",
        BILLING,
        "your refund",
        "su reembolso",
        "votre remboursement",
        "Ihre Erstattung",
        user=(
            "I returned the {product} two weeks ago. When will I get my refund?",
            "How long does a refund take? Order {order_id}.",
            "I still haven't received my money back for order {order_id}.",
            "Can I get a refund for the {product}? It's not what I expected.",
            "When will the refund of {refund_amount} show up on my card?",
            "refund status for {order_id} please",
            "I was told I'd be refunded but nothing has arrived yet. What's going on?",
        ),
        kb=(
            "[{rf_id}] Refunds are issued to the original payment method within {refund_days} business "
            "days after the returned item is received at our warehouse.",
            "[Order {order_id}] Return received on {ship_date}. Refund amount: {refund_amount}. Status: processing.",
        ),
        answers=(
            "We received your return on {ship_date}. Your refund of {refund_amount} is being processed and "
            "will reach your original payment method within {refund_days} business days (policy {rf_id}).",
            "Your refund for order {order_id} is in progress. Under {rf_id}, refunds arrive within "
            "{refund_days} business days of the return reaching us, which was on {ship_date}.",
            "I can see the refund of {refund_amount} for order {order_id} is processing. Please allow up to "
            "{refund_days} business days for it to show on your statement.",
            "Yes. Once the {product} is back at our warehouse, the refund goes to your original payment "
            "method within {refund_days} business days ({rf_id}).",
        ),
        answer_map=((0, 1, 2), (0, 1, 2), (0, 1, 2), (3,), (0, 2), (0, 1, 2), (0, 1, 2)),
        weight=1.3,
    ),
    Intent(
        "return_policy",
        SUPPORT,
        "our return policy",
        "nuestra política de devoluciones",
        "notre politique de retour",
        "unsere Rückgaberichtlinie",
        user=(
            "What is your return policy?",
            "Can I return the {product} if I don't like it?",
            "How many days do I have to send something back?",
            "I bought the {product} as a gift. Can it be returned after the holidays?",
            "Do I have to pay for return shipping?",
            "is there a time limit on returns",
            "I opened the box of the {product}, can I still return it?",
        ),
        kb=(
            "[{rp_id}] Items can be returned within {return_days} days of delivery in original condition. "
            "Return shipping is free for orders over {free_return_min}; otherwise a {return_fee} label fee applies.",
        ),
        answers=(
            "You can return items within {return_days} days of delivery as long as they are in original "
            "condition ({rp_id}). Return shipping is free on orders over {free_return_min}.",
            "Yes! Under our return policy {rp_id} you have {return_days} days from delivery to send the "
            "item back. For orders under {free_return_min} a {return_fee} label fee applies.",
            "Returns are accepted for {return_days} days after delivery. If your order was over "
            "{free_return_min}, the return label is free; otherwise it costs {return_fee}.",
        ),
        weight=1.2,
    ),
    Intent(
        "shipping_times",
        SUPPORT,
        "shipping times",
        "los plazos de envío",
        "les délais de livraison",
        "die Lieferzeiten",
        user=(
            "How long does shipping take to {city}?",
            "If I order the {product} today, when will it arrive?",
            "Do you offer express delivery?",
            "What are your delivery times?",
            "how fast can you ship to {city}",
            "Is shipping free? I want to order the {product}.",
        ),
        kb=(
            "[{sp_id}] Standard shipping: {ship_min}-{ship_max} business days, free on orders over "
            "{free_ship_min}. Express shipping: {express_days} business days for {express_fee}.",
        ),
        answers=(
            "Standard shipping to {city} takes {ship_min}-{ship_max} business days and is free on orders "
            "over {free_ship_min}. Express delivery arrives in {express_days} business days for {express_fee}.",
            "If you order today with standard shipping it arrives in {ship_min}-{ship_max} "
            "business days. Need it sooner? Express costs {express_fee} and takes {express_days} business days.",
            "We ship standard in {ship_min}-{ship_max} business days (free above {free_ship_min}) per {sp_id}, "
            "or express in {express_days} business days for {express_fee}.",
        ),
        answer_map=((0, 2), (1, 2), (1, 2), (1, 2), (0, 2), (1, 2)),
    ),
    Intent(
        "account_reset",
        SUPPORT,
        "your account access",
        "el acceso a su cuenta",
        "l'accès à votre compte",
        "den Zugang zu Ihrem Konto",
        user=(
            "I forgot my password and can't log in.",
            "How do I reset my password?",
            "My account is locked after too many attempts, help!",
            "The password reset link you sent me doesn't work anymore.",
            "cant sign in to my account",
            "I never got the reset email. Can you send it again?",
        ),
        kb=(
            "[{ac_id}] Password reset links are valid for {link_minutes} minutes. Accounts lock after "
            "{lock_attempts} failed attempts and unlock automatically after {unlock_minutes} minutes.",
        ),
        answers=(
            "Use 'Forgot password' on the sign-in page and we'll email you a reset link. The link is valid "
            "for {link_minutes} minutes, so please use it right away.",
            "Your account locks after {lock_attempts} failed attempts and unlocks by itself after "
            "{unlock_minutes} minutes. After that you can request a new reset link (valid {link_minutes} minutes).",
            "Reset links expire after {link_minutes} minutes ({ac_id}), which is probably why the old one "
            "stopped working. Request a fresh one from the sign-in page and it should go through.",
            "Reset emails can take a few minutes and sometimes land in the spam folder. Request a new one "
            "from the sign-in page; each link is valid for {link_minutes} minutes ({ac_id}).",
        ),
        answer_map=((0, 3), (0,), (1,), (2,), (0, 1), (3,)),
        weight=1.1,
    ),
    Intent(
        "billing_dispute",
        BILLING,
        "the charge on your account",
        "el cargo en su cuenta",
        "le prélèvement sur votre compte",
        "die Abbuchung auf Ihrem Konto",
        user=(
            "I was charged {charge_amount} twice for the same order.",
            "There's a charge of {charge_amount} on {charge_date} that I don't recognise.",
            "Why was I billed {charge_amount}? I cancelled that order.",
            "I want to dispute a charge on my card from {charge_date}.",
            "you overcharged me for order {order_id}",
            "My statement shows {charge_amount} from {shop} but I never got the item.",
        ),
        kb=(
            "[{bd_id}] Billing disputes can be opened within {dispute_days} days of the charge. Duplicate "
            "charges are reversed within {reversal_days} business days.",
            "[Payments] Order {order_id}: charge of {charge_amount} on {charge_date}, status settled.",
        ),
        answers=(
            "I can see a charge of {charge_amount} on {charge_date} for order {order_id}. I've opened a "
            "dispute under {bd_id}; duplicate charges are reversed within {reversal_days} business days.",
            "Sorry about that! Disputes can be opened within {dispute_days} days of the charge, so you're in "
            "time. If it's a duplicate, the {charge_amount} will be reversed within {reversal_days} business days.",
            "The {charge_amount} charge from {charge_date} belongs to order {order_id}. If you believe it's "
            "wrong, we'll review it under {bd_id} and reply within {reversal_days} business days.",
        ),
        answer_map=((0, 1), (0, 2), (2,), (0, 1), (0, 2), (1, 2)),
    ),
    Intent(
        "warranty_claim",
        SUPPORT,
        "your warranty claim",
        "su reclamación de garantía",
        "votre demande de garantie",
        "Ihren Garantieanspruch",
        user=(
            "My {product} stopped working after a few months. Is it under warranty?",
            "The {product} I bought is defective. How do I make a warranty claim?",
            "Does the warranty cover a cracked screen on the {product}?",
            "my {product} broke, what now",
            "How long is the warranty on the {product}?",
            "I'd like to file a warranty claim for order {order_id}.",
        ),
        kb=(
            "[{wr_id}] Electronics carry a {warranty_months}-month warranty against manufacturing defects. "
            "Accidental damage is not covered. Claims are reviewed within {review_days} business days.",
        ),
        answers=(
            "The {product} has a {warranty_months}-month warranty against manufacturing defects ({wr_id}). "
            "Send us a photo and a short description and we'll review the claim within {review_days} business days.",
            "Sorry to hear that! Manufacturing defects are covered for {warranty_months} months, but accidental "
            "damage such as a cracked screen isn't. Claims are reviewed within {review_days} business days.",
            "You can file a claim from your order page for {order_id}. Under {wr_id} the warranty lasts "
            "{warranty_months} months, and we review claims within {review_days} business days.",
        ),
        answer_map=((0, 2), (0, 2), (1,), (0, 1, 2), (0, 2), (2,)),
        weight=0.9,
    ),
    Intent(
        "cancel_subscription",
        BILLING,
        "your subscription",
        "su suscripción",
        "votre abonnement",
        "Ihr Abonnement",
        user=(
            "Please cancel my {plan} subscription.",
            "I want to stop my subscription, it renews on {renewal_date}.",
            "How do I cancel my membership? Subscription {sub_id}.",
            "cancel {sub_id} please, I don't use it anymore",
            "Can you end my {plan} plan before the next renewal?",
            "I'd like to unsubscribe from {plan}. Will I be charged again?",
        ),
        kb=(
            "[{sb_id}] Subscriptions can be cancelled any time; access continues until the end of the current "
            "billing period. Subscription {sub_id} ({plan}) renews on {renewal_date}.",
        ),
        answers=(),
        action={
            "action": "cancel_subscription",
            "params": {
                "subscription_id": "{sub_id}",
                "plan": "{plan}",
                "effective_date": "end_of_billing_period",
            },
            "reply": "Your {plan} subscription is cancelled. You keep access until {renewal_date} and won't be "
            "charged again.",
        },
        weight=0.9,
    ),
    Intent(
        "change_address",
        SUPPORT,
        "your delivery address",
        "su dirección de entrega",
        "votre adresse de livraison",
        "Ihre Lieferadresse",
        user=(
            "I need to change the delivery address for order {order_id} to {house_no} {street}, {city}.",
            "I moved last week. Can you send order {order_id} to {house_no} {street}, {city} instead?",
            "Wrong address on my order! It should be {house_no} {street}, {city}.",
            "please update shipping address for {order_id}: {house_no} {street}, {city}",
            "Can I still change where my {product} gets delivered? New address is {house_no} {street}, {city}.",
        ),
        kb=(
            "[{ad_id}] The delivery address can be changed up to {addr_hours} hours after ordering, as long "
            "as the order has not shipped. Order {order_id} status: not yet shipped.",
        ),
        answers=(),
        action={
            "action": "change_address",
            "params": {"order_id": "{order_id}", "new_address": "{house_no} {street}, {city}"},
            "reply": "Done! Order {order_id} will now be delivered to {house_no} {street}, {city}.",
        },
        weight=0.8,
    ),
    Intent(
        "product_question",
        SUPPORT,
        "the {product}",
        "el producto {product}",
        "le produit {product}",
        "das Produkt {product}",
        user=(
            "How long does the battery of the {product} last?",
            "Is the {product} compatible with my phone?",
            "What's the weight of the {product}?",
            "does the {product} come with a charger",
            "I'm deciding between two models. What's special about the {product}?",
            "Can you tell me more about the {product} before I buy it?",
        ),
        kb=(
            "[{pd_id}] {product}: battery life up to {battery_hours} hours, weight {weight_g} g, charger "
            "included, Bluetooth 5.3, {warranty_months}-month warranty.",
        ),
        answers=(
            "The {product} runs up to {battery_hours} hours on a charge and weighs {weight_g} g. A charger "
            "is included in the box.",
            "Great question! The {product} connects over Bluetooth 5.3, so it works with most recent phones. "
            "Battery life is up to {battery_hours} hours.",
            "The {product} weighs {weight_g} g, comes with a charger and has a {warranty_months}-month "
            "warranty ({pd_id}).",
        ),
        answer_map=((0, 1), (1,), (0, 2), (0, 2), (0, 1, 2), (0, 1, 2)),
        weight=1.2,
    ),
    Intent(
        "store_hours",
        SUPPORT,
        "our store hours",
        "el horario de la tienda",
        "les horaires du magasin",
        "die Öffnungszeiten",
        user=(
            "What time does your {city} store open?",
            "Are you open on Sunday in {city}?",
            "When does the {city} shop close today?",
            "store hours {city}?",
            "Is the {city} store open on public holidays?",
        ),
        kb=(
            "[{sh_id}] {city} store: Monday to Saturday {open_time} to {close_time}, Sunday {open_time} to "
            "{sunday_close}. Closed on public holidays.",
        ),
        answers=(
            "Our {city} store is open Monday to Saturday from {open_time} to {close_time}, and on Sunday "
            "until {sunday_close}.",
            "Yes, the {city} store opens on Sundays from {open_time} to {sunday_close}. It is closed on "
            "public holidays.",
            "Today the {city} shop closes at {close_time} (Sunday: {sunday_close}).",
            "The {city} store is closed on public holidays. On other days it is open from {open_time} to "
            "{close_time} ({sh_id}).",
        ),
        answer_map=((0,), (1,), (2, 0), (0,), (3,)),
        weight=0.7,
    ),
    Intent(
        "loyalty_points",
        SUPPORT,
        "your loyalty points",
        "sus puntos de fidelidad",
        "vos points de fidélité",
        "Ihre Treuepunkte",
        user=(
            "How many loyalty points do I have?",
            "How do I redeem my reward points?",
            "Do my points expire?",
            "I didn't get points for order {order_id}.",
            "what are my points worth",
        ),
        kb=(
            "[{lp_id}] Members earn 1 point per dollar spent. Every 500 points can be redeemed for "
            "{points_value} off. Points expire after {points_months} months without a purchase. "
            "Current balance: {points} points.",
        ),
        answers=(
            "You currently have {points} points. Every 500 points can be redeemed for {points_value} off "
            "at checkout.",
            "Points expire after {points_months} months without a purchase ({lp_id}). Your balance right now "
            "is {points} points.",
            "You earn 1 point per dollar, and each 500 points are worth {points_value}. Points for order "
            "{order_id} are added once it has been delivered.",
        ),
        answer_map=((0, 1), (0,), (1,), (2,), (0,)),
        weight=0.8,
    ),
    Intent(
        "complaint",
        SUPPORT,
        "your complaint",
        "su queja",
        "votre réclamation",
        "Ihre Beschwerde",
        user=(
            "This is the third time my order is late. Completely unacceptable.",
            "I'm really disappointed with your service. Nobody answers my emails.",
            "Your courier left my {product} in the rain. I want to file a complaint.",
            "worst customer service ever, I want to speak to a manager",
            "I've been waiting two weeks for an answer about order {order_id}. This is ridiculous.",
            "The staff at the {city} store were rude to me today.",
        ),
        kb=(
            "[{cs_id}] Complaints are escalated to a team lead who replies within {response_hours} hours. "
            "Customers affected by service failures may receive a {voucher} goodwill voucher.",
        ),
        answers=(
            "I'm sorry about this experience. I've escalated your complaint to a team lead, who will get back "
            "to you within {response_hours} hours.",
            "You're right to be frustrated, and I apologise. I've logged the complaint under {cs_id}; a team "
            "lead will reply within {response_hours} hours and can offer a {voucher} goodwill voucher.",
            "Thank you for telling us. Your complaint about order {order_id} is now with a team lead, and "
            "you'll hear back within {response_hours} hours.",
        ),
        answer_map=((0, 1), (0, 1), (0, 1), (0, 1), (0, 1, 2), (0, 1)),
        weight=0.9,
    ),
    Intent(
        "invoice_request",
        BILLING,
        "your invoice",
        "su factura",
        "votre facture",
        "Ihre Rechnung",
        user=(
            "Can I get an invoice for order {order_id}?",
            "I need a VAT invoice for my company for the {product}.",
            "please send me the receipt for {order_id}",
            "Where can I download the invoice for my last order?",
            "My accountant needs an invoice for order {order_id}, can you email it?",
        ),
        kb=(
            "[{iv_id}] Invoices are emailed to the address on file within {invoice_hours} hours of the "
            "request. Order {order_id} invoice number: {invoice_id}.",
        ),
        answers=(),
        action={
            "action": "send_invoice",
            "params": {"order_id": "{order_id}", "invoice_id": "{invoice_id}"},
            "reply": "I've requested invoice {invoice_id} for order {order_id}. It will arrive by email within "
            "{invoice_hours} hours.",
        },
        weight=0.8,
    ),
    Intent(
        "delivery_damage",
        SUPPORT,
        "the damaged delivery",
        "el envío dañado",
        "le colis endommagé",
        "die beschädigte Lieferung",
        user=(
            "My {product} arrived damaged. The box was crushed.",
            "The package from order {order_id} came with a broken {product}.",
            "the {product} was smashed when it arrived, what do I do",
            "Item arrived dented. Can I get a replacement?",
            "Half of my order {order_id} arrived broken.",
        ),
        kb=(
            "[{dd_id}] Report transit damage within {report_days} days of delivery with a photo. We ship a "
            "free replacement within {replace_days} business days or issue a full refund.",
        ),
        answers=(
            "I'm sorry your {product} arrived damaged. Please send a photo within {report_days} days of "
            "delivery and we'll ship a free replacement within {replace_days} business days.",
            "That shouldn't happen! Under {dd_id}, send us a photo of the damage and choose a free "
            "replacement (shipped within {replace_days} business days) or a full refund.",
            "Thanks for letting us know about order {order_id}. Report the damage with a photo within "
            "{report_days} days and we'll replace the {product} free of charge.",
        ),
        answer_map=((0, 1), (0, 1, 2), (0, 1), (1,), (1,)),
        weight=0.8,
    ),
    Intent(
        "data_deletion",
        SUPPORT,
        "your data deletion request",
        "su solicitud de eliminación de datos",
        "votre demande de suppression de données",
        "Ihren Antrag auf Datenlöschung",
        user=(
            "Under GDPR I want you to delete all my personal data.",
            "Please delete my account and everything you store about me.",
            "I am exercising my right to be forgotten. Erase my data.",
            "How do I get my personal data removed from your systems?",
            "delete my account and all data, I don't want to be contacted again",
            "What data do you hold about me, and can you delete it under the GDPR?",
        ),
        kb=(
            "[{pr_id}] Data deletion requests are completed within {deletion_days} days. Order records are "
            "kept for {retention_years} years for tax purposes. A confirmation email is sent when done.",
        ),
        answers=(
            "I've registered your deletion request. Under {pr_id} it is completed within {deletion_days} "
            "days, and you'll get a confirmation email when it's done.",
            "We'll delete your account and personal data within {deletion_days} days. Order records must be "
            "kept for {retention_years} years for tax purposes.",
            "Your right-to-erasure request is confirmed. Everything except legally required order records "
            "(kept {retention_years} years) will be deleted within {deletion_days} days.",
        ),
        weight=1.5,
        after_drift_only=True,
    ),
)

# keyword stems that route an arbitrary message to an intent (simulate_call); longest match wins
KEYWORDS: dict[str, tuple[str, ...]] = {
    "order_status": ("where is my order", "status", "tracking", "hasn't arrived", "package", "shipped",
                     "where's my", "check on order", "supposed to come"),
    "refund": ("refund", "refunded", "get a refund", "refund status", "money back", "reimburse"),
    "return_policy": ("return policy", "can i return", "return it", "send something back", "send it back",
                      "returned after", "return shipping", "returns"),
    "shipping_times": ("how long does shipping", "shipping free", "shipping to", "delivery time", "express",
                       "ship to", "when will it arrive"),
    "account_reset": ("password", "log in", "login", "locked", "reset", "sign in"),
    "billing_dispute": ("charged", "charge", "dispute", "overcharged", "billed", "statement"),
    "warranty_claim": ("warranty", "broke", "stopped working", "defective", "faulty"),
    "cancel_subscription": ("cancel my", "cancel sub", "unsubscribe", "unsubscribe from", "subscription", "membership", "renew",
                            "end my"),
    "change_address": ("address", "moved", "deliver to", "delivered to", "send it to", "gets delivered"),
    "product_question": ("battery", "compatible", "weight", "specs", "come with a charger", "tell me more", "special about"),
    "store_hours": ("open", "store hours", "close", "opening", "sunday"),
    "loyalty_points": ("points", "loyalty", "rewards", "redeem"),
    "complaint": ("complaint", "terrible", "unacceptable", "disappointed", "worst", "rude", "ridiculous",
                  "manager"),
    "invoice_request": ("invoice", "receipt", "vat"),
    "delivery_damage": ("damaged", "arrived broken", "smashed", "dented", "crushed", "came with a broken",
                        "replacement"),
    "data_deletion": ("gdpr", "delete", "personal data", "erase", "forgotten", "removed from"),
}  # fmt: skip

INTENT_NAMES: tuple[str, ...] = tuple(i.name for i in INTENTS)

# -- system prompts of the two prompt versions of the demo app -------------------------------
SYSTEM_PROMPTS: dict[str, str] = {
    "v1": (
        f"You are ShopBot, the friendly customer-support assistant of {SHOP}. Help the customer with "
        "their question using the knowledge-base snippets provided. For account actions (cancellations, "
        "address changes, invoices) reply with a JSON object with keys action, params and reply."
    ),
    "v2": (
        f"You are ShopBot, the customer-support assistant of {SHOP}. Answer only from the knowledge-base "
        "snippets in the context and cite their policy ids; if the context does not say, say you will "
        "check. Never repeat personal data (emails, phone numbers, card numbers) back to the customer. "
        "For account actions (cancellations, address changes, invoices) reply with a single valid JSON "
        "object with keys action, params and reply."
    ),
}

# -- input decorations ----------------------------------------------------------------------
GREETINGS: tuple[str, ...] = ("Hi! ", "Hello! ", "Hey! ", "Good morning. ", "Hi there. ")
PII_SENTENCES: dict[str, tuple[str, ...]] = {
    "email": (
        " My email is {email}.",
        " You can reach me at {email}.",
        " (account email: {email})",
        " Please reply to {email}.",
    ),
    "phone": (
        " My phone number is {phone}.",
        " Call me on {phone} if needed.",
        " You can text me at {phone}.",
    ),
    "card": (
        " I paid with the card {card}.",
        " The card number I used is {card}.",
        " Card on the order: {card}.",
    ),
}
# long back-stories; after the drift users write longer messages and add these much more often
PREAMBLES: tuple[str, ...] = (
    "I've been a loyal customer of yours for years and I have never had a problem before, so I'm "
    "a bit surprised to be writing this. ",
    "Sorry for the long message, I already tried the help pages and the FAQ, and I also asked on "
    "your community forum, but nobody could give me a clear answer. ",
    "I'm writing on behalf of my elderly father, who placed the order with his account, and he "
    "asked me to sort this out because he finds the website confusing. ",
    "Last month I contacted your chat about something similar and the agent promised a follow-up "
    "email, which never arrived, so here I am again. ",
    "We are a small business that buys from you regularly for our office, so getting this right "
    "matters a lot to us and to our accounting. ",
)
POSTSCRIPTS: tuple[str, ...] = (
    " Thanks in advance.",
    " Thanks!",
    " I'd appreciate a quick answer.",
    " Please let me know as soon as possible because I'm travelling next week and won't be able to "
    "check my emails regularly.",
    " I need this sorted before the weekend, because I am away all of next week and will not have my laptop.",
    " To be honest I'm losing patience, this is the second time I have to ask about it and I expected "
    "better from a shop like yours.",
)

# -- failure outputs -------------------------------------------------------------------------
INVENTED_FLOURISHES: tuple[str, ...] = (
    " As a one-time exception under policy {fake_policy}, we can also add a {fake_amount} credit.",
    " Per policy {fake_policy}, you are additionally entitled to {fake_days} days of free priority service.",
    " Note that policy {fake_policy} guarantees a {fake_amount} compensation in this case.",
    " Under our extended guarantee {fake_policy}, this period is {fake_days} days for all customers.",
    " Policy {fake_policy} also lets you claim a {fake_amount} goodwill payment.",
    " Good to know: since policy {fake_policy}, every customer gets {fake_days} extra days.",
)

PII_REPLIES: dict[str, tuple[str, ...]] = {
    "email": (
        "Thanks, I've confirmed the account registered to {email}. We will send an update about "
        "{topic} to {email} shortly.",
        "I found your account under {email}. The details about {topic} will be emailed to {email} today.",
        "Got it: your email address {email} is on file, and I've added a note about {topic} to your account.",
        "Sure! I'll send the details about {topic} to {email} within the hour.",
        "Thanks for confirming your email, {email}. I've updated your account and you'll get an email "
        "about {topic} soon.",
    ),
    "phone": (
        "Thanks! I've noted your phone number {phone} on your account, and a colleague will call you "
        "about {topic}.",
        "I've confirmed the phone number {phone} for your account; you'll get a text at {phone} about {topic}.",
        "Thanks, your number {phone} is on file. We'll call you on {phone} about {topic} later today.",
    ),
    "card": (
        "Thanks, I've confirmed the card {card} on your account and can see it was used for this order. "
        "I'll update you about {topic} shortly.",
        "I've verified the payment card {card} on file for your account, so I can look into {topic} now.",
        "Your card number {card} is confirmed on your account. I've added a note about {topic}.",
    ),
}

REFUSALS: tuple[str, ...] = (
    "I'm sorry, but I can't help with that request.",
    "I'm sorry, but I can't assist with questions about {topic}.",
    "Unfortunately I'm not able to discuss {topic}. Is there anything else I can help with?",
    "I apologize, but I cannot provide information about {topic}.",
    "Sorry, that's not something I can help with.",
    "I'm afraid I can't help you with {topic}. Please contact customer service.",
    "I'm sorry, but as an AI assistant I'm unable to assist with this request.",
    "I cannot help with that. Please reach out to a human agent.",
    "I'm sorry, I'm not allowed to share details about {topic}.",
    "Unfortunately, I can't process requests about {topic} here.",
    "I'm unable to help with this request. I apologize for any inconvenience.",
    "Sorry, but I can't answer that. Let me know if there's something else I can do.",
)

WRONG_LANGUAGE: dict[str, tuple[str, ...]] = {
    "es": (
        "¡Hola! Gracias por escribirnos. He revisado {topic_es} y todo está en orden; le enviaremos "
        "los detalles por correo electrónico muy pronto.",
        "Lamentamos las molestias. Hemos registrado su consulta sobre {topic_es} y un compañero se "
        "pondrá en contacto con usted en breve.",
        "Claro que sí. En cuanto a {topic_es}, puede consultarlo en cualquier momento desde su cuenta, "
        "en el apartado de pedidos.",
        "Muchas gracias por su paciencia. Ya estamos trabajando en {topic_es} y le informaremos de "
        "cualquier novedad.",
        "Entiendo perfectamente su situación. Con respecto a {topic_es}, le recomiendo revisar su "
        "bandeja de entrada, donde encontrará toda la información.",
        "Buenas tardes. He comprobado {topic_es} en nuestro sistema y no veo ningún problema. ¿Puedo "
        "ayudarle con algo más?",
        "Perfecto, ya he tomado nota de {topic_es}. Recibirá una confirmación por correo en las "
        "próximas horas.",
    ),
    "fr": (
        "Bonjour ! Merci de nous avoir contactés. J'ai bien vérifié {topic_fr} et tout est en ordre ; "
        "vous recevrez les détails par e-mail.",
        "Nous sommes désolés pour ce désagrément. Un conseiller va examiner {topic_fr} et reviendra "
        "vers vous rapidement.",
    ),
    "de": (
        "Hallo! Vielen Dank für Ihre Nachricht. Ich habe {topic_de} geprüft und alles ist in Ordnung; "
        "Sie erhalten die Details per E-Mail.",
        "Es tut uns leid für die Unannehmlichkeiten. Ein Kollege kümmert sich um {topic_de} und meldet "
        "sich in Kürze bei Ihnen.",
    ),
}

# long, step-by-step explanations: the replies that hit the token limit and get cut
STEPS: tuple[str, ...] = (
    "Thanks for reaching out about {topic}! Here is a step-by-step overview so nothing gets missed. "
    "Step 1: open the Orders section of your account and select order {order_id}. Step 2: check that "
    "the details shown there match what you expected, including the item, the delivery address in "
    "{city} and the payment method. Step 3: if anything looks wrong, use the Help button on that page, "
    "which opens a request that goes straight to the right team. Step 4: you will receive a confirmation "
    "email with a reference number, and our team will follow up with the next steps and the expected "
    "timeline for your case.",
    "Great question about {topic}. Let me walk you through it step by step. Step 1: our team reviews "
    "each request individually, so the exact timing can depend on the item and on where it is shipped. "
    "Step 2: for the {product} in particular, keep the original packaging, make sure the serial number "
    "is visible, and include any accessories, which helps us process everything faster. Step 3: once "
    "everything has been checked, you will get an update by email and in your account. Step 4: if you "
    "have more questions at any point, simply reply to that email and it reaches the same team.",
    "I completely understand, and I'm happy to explain {topic} step by step. Step 1: your request is "
    "logged in our system together with order {order_id}, so any colleague can pick up where the last "
    "one left off. Step 2: a specialist looks at the details and compares them with our records. "
    "Step 3: we decide on the best solution, which could be a replacement, a refund or a repair. "
    "Step 4: we confirm the outcome in writing, so you have everything documented for your records.",
)

ERRORS: tuple[str, ...] = (
    "RateLimitError: Rate limit reached for requests per minute. Please try again in 20s.",
    "APITimeoutError: Request timed out after 30000 ms.",
    "InternalServerError: The server had an error while processing your request.",
    "APIConnectionError: Connection reset by peer.",
)


# -- JSON action templates -------------------------------------------------------------------
def _to_template(text: str) -> str:
    """Escape JSON braces for str.format, then turn ``<<slot>>`` markers into fields."""
    return text.replace("{", "{{").replace("}", "}}").replace("<<", "{").replace(">>", "}")


def _marked(value: object) -> object:
    if isinstance(value, str):
        return value.replace("{", "<<").replace("}", ">>")
    if isinstance(value, dict):
        return {k: _marked(v) for k, v in value.items()}
    return value


def action_templates(action: dict) -> tuple[str, ...]:
    """Valid JSON renderings of an action (compact and pretty), as format templates."""
    marked = _marked(action)
    return (
        _to_template(json.dumps(marked, ensure_ascii=False)),
        _to_template(json.dumps(marked, ensure_ascii=False, indent=2)),
    )


def broken_action_templates(action: dict) -> tuple[str, ...]:
    """The ways a model really breaks a JSON action; each fails ``json.loads``."""
    marked = _marked(action)
    compact = json.dumps(marked, ensure_ascii=False)
    pretty = json.dumps(marked, ensure_ascii=False, indent=2)
    params = marked["params"]
    first_key = next(iter(params))
    broken = (
        compact[:-1],  # missing closing brace
        pretty[:-2] + ",\n}",  # trailing comma
        compact.replace('"', "'"),  # python-style quotes
        compact.replace('"action":', "action:")
        .replace('"params":', "params:")
        .replace('"reply":', "reply:"),
        "Sure! Here is the action:\n" + pretty,  # prose before the object
        compact.replace(f'"{first_key}":', f'"{first_key}":: '),
        compact.replace('}, "reply"', '} "reply"'),  # missing comma
        compact[:-1] + ', "confirmed": True, "notes": None}',  # python literals
        compact.replace('"reply": "', '"reply": "OK, "done": '),  # unescaped quote in a string
    )
    return tuple(_to_template(b) for b in broken)
