"""Pages of the integration API: webhook subscriptions and their delivery log (system administrators)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core.errors import RECOVERABLE, NotFound
from jiuzhu.core.forms import BootstrapMixin, apply_error, set_choices
from jiuzhu.core.listing import paginate
from jiuzhu.events import feed, webhooks
from jiuzhu.events.models import DeliveryStatus
from jiuzhu.orgs.http import AuthenticatedHttpRequest

SESSION_SECRET = "webhook_secret_once"  # noqa: S105 - a session key name


class SubscriptionForm(BootstrapMixin, forms.Form):
    organisation = forms.ChoiceField(label="机构（推送其辖区内的事件）")
    name = forms.CharField(label="名称", max_length=80, help_text="如：省社会救助信息平台")
    url = forms.CharField(label="接收地址", max_length=500, help_text="http:// 或 https:// 开头")
    event_types = forms.MultipleChoiceField(
        label="事件类型（不选为全部）",
        required=False,
        choices=[(p, p) for p in feed.FEED_PREFIXES],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "organisation", [(o.pk, f"{o.name}（{o.jurisdiction_id}）") for o in organisations])


@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = list(webhooks.organisations_for(request.user))
    subscriptions = webhooks.subscriptions_visible_to(request.user).order_by("-id")
    form = SubscriptionForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        organisation = next(o for o in organisations if str(o.pk) == form.cleaned_data["organisation"])
        try:
            created = webhooks.subscription_create(
                by=request.user,
                organisation=organisation,
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            request.session[SESSION_SECRET] = {"id": created.subscription.pk, "secret": created.secret}
            return redirect("webhook_detail", pk=created.subscription.pk)
    return render(
        request,
        "events/webhook_list.html",
        {"form": form, "subscriptions": subscriptions, "page_title": "数据交换与事件推送"},
        status=400 if form.errors else 200,
    )


@login_required
def webhook_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The delivery log of one subscription."""
    subscription = webhooks.get_subscription(request.user, pk)
    once = request.session.pop(SESSION_SECRET, None)
    secret = once["secret"] if once and once.get("id") == subscription.pk else None
    deliveries = subscription.deliveries.order_by("-id")
    status = request.GET.get("status")
    if status in DeliveryStatus.values:
        deliveries = deliveries.filter(status=status)
    return render(
        request,
        "events/webhook_detail.html",
        {
            "subscription": subscription,
            "secret": secret,
            "listing": paginate(request, deliveries),
            "statuses": DeliveryStatus.choices,
            "status": status,
            "page_title": f"推送记录 · {subscription.name}",
        },
    )


@login_required
@require_POST
def webhook_deactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    subscription = webhooks.get_subscription(request.user, pk)
    webhooks.subscription_deactivate(by=request.user, subscription=subscription)
    messages.success(request, "订阅已停用")
    return redirect("webhook_detail", pk=pk)


@login_required
@require_POST
def delivery_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    delivery = webhooks.deliveries_visible_to(request.user).filter(pk=pk).first()
    if delivery is None:
        raise NotFound()
    try:
        webhooks.delivery_retry(by=request.user, delivery=delivery)
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已重新排队投递")
    return redirect("webhook_detail", pk=delivery.subscription_id)
