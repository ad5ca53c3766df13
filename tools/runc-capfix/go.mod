module kindlab.local/runc-capfix

go 1.24
