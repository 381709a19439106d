# The webhook tables move here from the API app. They already exist (created by jiuzhu_api 0001), so this
# migration only tells Django's state that this app owns them; the tables keep their names (db_table).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('jiuzhu_api', '0001_initial'),
        ('orgs', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='WebhookSubscription',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('area_code', models.CharField(db_index=True, help_text="the organisation's jurisdiction", max_length=12)),
                        ('name', models.CharField(max_length=80, verbose_name='名称')),
                        ('url', models.URLField(max_length=500, verbose_name='接收地址')),
                        ('secret_cipher', models.TextField(help_text='HMAC secret, encrypted at rest')),
                        ('event_types', models.JSONField(blank=True, default=list, help_text='prefixes; empty = all', verbose_name='事件类型')),
                        ('is_active', models.BooleanField(default=True, verbose_name='有效')),
                        ('last_event_id', models.BigIntegerField(default=0, help_text='events up to this id were fanned out')),
                        ('created_at', models.DateTimeField()),
                        ('deactivated_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.organisation')),
                    ],
                    options={
                        'db_table': 'jiuzhu_api_webhooksubscription',
                        'verbose_name': '事件推送订阅',
                        'ordering': ['-id'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('event_id', models.BigIntegerField()),
                        ('event_type', models.CharField(max_length=80)),
                        ('area_code', models.CharField(db_index=True, max_length=12)),
                        ('payload', models.JSONField()),
                        ('status', models.CharField(choices=[('pending', '待投递'), ('retrying', '重试中'), ('delivered', '已送达'), ('failed', '最终失败')], db_index=True, default='pending', max_length=10)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('next_attempt_at', models.DateTimeField(blank=True, db_index=True, null=True)),
                        ('last_attempt_at', models.DateTimeField(blank=True, null=True)),
                        ('last_status_code', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('last_error', models.CharField(blank=True, max_length=300)),
                        ('created_at', models.DateTimeField()),
                        ('delivered_at', models.DateTimeField(blank=True, null=True)),
                        ('subscription', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='events.webhooksubscription')),
                    ],
                    options={
                        'db_table': 'jiuzhu_api_webhookdelivery',
                        'verbose_name': '事件推送记录',
                        'ordering': ['-id'],
                        'constraints': [models.UniqueConstraint(fields=('subscription', 'event_id'), name='webhook_delivery_unique')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
