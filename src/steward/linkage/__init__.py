"""Linkage runs across agencies, review of uncertain pairs, and crosswalks (Django side)."""
