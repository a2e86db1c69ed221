"""speak"""
