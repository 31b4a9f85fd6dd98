from django.urls import path

from socialgood.collect import views

urlpatterns = [
    path("p/<slug:slug>/posts/", views.post_list, name="posts"),
]
