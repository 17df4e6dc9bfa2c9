"""pole"""
